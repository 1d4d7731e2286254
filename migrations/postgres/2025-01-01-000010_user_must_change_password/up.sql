-- The user search (`GET /api/v1/users/?q=`): `search_key` holds the lower-cased words of the
-- first and last name, the username and the email, computed by the domain
-- (`listing::user_search_key`) and written with every change of those fields; each search term
-- must occur in it (`LIKE '%term%'`). Existing rows start empty and are filled at start-up
-- (the same pass that fills `username_skeleton`).
ALTER TABLE users ADD COLUMN search_key text NOT NULL DEFAULT '';

-- Accounts an admin created with a temporary password: until the user sets their own
-- (`POST /api/v1/users/profile/change-password/`, which clears the flag), the API answers
-- every other call with 403 `password_change_required`.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

-- What an activity entry changed, as values (`ActivityChange` of the domain): the field
-- (`status`, `priority`, `assigned_to`, `requester`) and the texts before and after (wire names,
-- or user ids; NULL for nobody). NULL for entries that change no such field. Older status and
-- priority entries get theirs from their `details` sentence ("Status changed from open to
-- in_progress"); older assignments keep none (their sentence names no one before, and a
-- username, not an id). The append-only trigger is off for this one derived fill-in (between
-- the markers, which a store test runs again): no sentence or other column changes.
ALTER TABLE activities ADD COLUMN change_field text;
ALTER TABLE activities ADD COLUMN change_from text;
ALTER TABLE activities ADD COLUMN change_to text;
-- backfill begin
ALTER TABLE activities DISABLE TRIGGER activities_append_only;
UPDATE activities
SET change_field = 'status',
    change_from = split_part(substr(details, 21), ' to ', 1),
    change_to = split_part(substr(details, 21), ' to ', 2)
WHERE details LIKE 'Status changed from % to %';
UPDATE activities
SET change_field = 'priority',
    change_from = split_part(substr(details, 23), ' to ', 1),
    change_to = split_part(substr(details, 23), ' to ', 2)
WHERE details LIKE 'Priority changed from % to %';
ALTER TABLE activities ENABLE TRIGGER activities_append_only;
-- backfill end
