-- The upload quota sums the sizes of the attachments of one uploader (issue 13, defect 4).
CREATE INDEX attachments_uploader_idx ON attachments (uploaded_by, size);
