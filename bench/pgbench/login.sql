-- POST /api/v1/users/auth/login/ without the argon2id verification (pure CPU in the server):
-- the credentials, the login time, a refresh session.
SELECT id, username, username_key, email, email_key, first_name, last_name, role, is_active, password_hash, token_epoch, date_joined, last_login FROM users WHERE username_key = :login OR email_key = :login;
BEGIN;
UPDATE users SET last_login = now() WHERE id = :staff::uuid;
COMMIT;
BEGIN;
INSERT INTO refresh_sessions (id, family_id, user_id, token_hash, created_at, expires_at) VALUES (gen_random_uuid(), gen_random_uuid(), :staff::uuid, md5(random()::text) || md5(random()::text), now(), now() + interval '7 days');
COMMIT;
