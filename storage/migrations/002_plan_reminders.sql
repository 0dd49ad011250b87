-- Due-date reminders go out once per plan item: remember when.
ALTER TABLE plan_items ADD COLUMN reminded_at TEXT;
-- The local date a schedule counts its occurrences from.
ALTER TABLE schedules ADD COLUMN start_date TEXT;
