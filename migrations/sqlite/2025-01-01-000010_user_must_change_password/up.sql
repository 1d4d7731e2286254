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

-- What an activity entry changed, as values (`ActivityChange` of the domain): the field
-- (`status`, `priority`, `assigned_to`, `requester`) and the texts before and after (wire names,
-- or user ids; NULL for nobody). NULL for entries that change no such field. Older status and
-- priority entries get theirs from their `details` sentence ("Status changed from open to
-- in_progress"); older assignments keep none (their sentence names no one before, and a
-- username, not an id). The append-only trigger is off for this one derived fill-in (between
-- the markers, which a store test runs again): no sentence or other column changes.
ALTER TABLE activities ADD COLUMN change_field TEXT;
ALTER TABLE activities ADD COLUMN change_from TEXT;
ALTER TABLE activities ADD COLUMN change_to TEXT;
-- backfill begin
DROP TRIGGER activities_no_update;
UPDATE activities
SET change_field = 'status',
    change_from = substr(details, 21, instr(substr(details, 21), ' to ') - 1),
    change_to = substr(details, 21 + instr(substr(details, 21), ' to ') + 3)
WHERE details LIKE 'Status changed from % to %';
UPDATE activities
SET change_field = 'priority',
    change_from = substr(details, 23, instr(substr(details, 23), ' to ') - 1),
    change_to = substr(details, 23 + instr(substr(details, 23), ' to ') + 3)
WHERE details LIKE 'Priority changed from % to %';
CREATE TRIGGER activities_no_update BEFORE UPDATE ON activities BEGIN
    SELECT RAISE (ABORT, 'the activity log is append-only');
END;
-- backfill end
