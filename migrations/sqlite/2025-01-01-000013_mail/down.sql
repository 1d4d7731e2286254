DELETE FROM outbox_state WHERE name = 'mail';
DROP TABLE mail_preferences;
DROP TABLE password_resets;
DROP TABLE mail_reply_tokens;
DROP TABLE mail_jobs;
