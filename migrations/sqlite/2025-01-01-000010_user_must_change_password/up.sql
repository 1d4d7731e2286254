-- The user search (`GET /api/v1/users/?q=`): `search_key` holds the lower-cased words of the
-- first and last name, the username and the email, computed by the domain
-- (`listing::user_search_key`: full Unicode lower-casing, which SQLite's lower() cannot do) and
-- written with every change of those fields; each search term must occur in it
-- (`LIKE '%term%'`). Existing rows start empty and are filled at start-up (the same pass that
-- fills `username_skeleton`).
ALTER TABLE users ADD COLUMN search_key TEXT NOT NULL DEFAULT '';

-- Accounts an admin created with a temporary password: until the user sets their own
-- (`POST /api/v1/users/profile/change-password/`, which clears the flag), the API answers
-- every other call with 403 `password_change_required`.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
