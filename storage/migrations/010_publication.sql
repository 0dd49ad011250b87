-- Results are published by a stored job in steps that each leave a mark: the wheel
-- (results_message_id), the ranking and plan (report_message_id), then the raters' summaries
-- (published). A publication cut short by a crash resumes where it stopped. Rounds closed
-- before this are published already.
ALTER TABLE rounds ADD COLUMN report_message_id INTEGER;
ALTER TABLE rounds ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
UPDATE rounds SET published = 1 WHERE status = 'closed';
