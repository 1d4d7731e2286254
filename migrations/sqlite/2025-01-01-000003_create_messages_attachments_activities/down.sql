DROP TRIGGER activities_no_delete;
DROP TRIGGER activities_no_update;
DROP TABLE activities;
DROP TABLE attachments;
DROP TABLE messages;
