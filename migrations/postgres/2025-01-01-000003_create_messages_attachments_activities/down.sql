DROP TABLE activities;
DROP FUNCTION activities_append_only();
DROP TABLE attachments;
DROP TABLE messages;
