-- The team owns its plan (issue 11). Every rated spoke gets a plan item; `short` marks the
-- weakest few shown by default. The channel the team set (NULL: read from the text), which
-- playbook suggestion is shown, whether the action is the team's own words, and the scores
-- the item was planned from.
ALTER TABLE plan_items ADD COLUMN short INTEGER NOT NULL DEFAULT 1;
ALTER TABLE plan_items ADD COLUMN channel TEXT;
ALTER TABLE plan_items ADD COLUMN suggestion INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan_items ADD COLUMN own_action INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan_items ADD COLUMN score REAL;
ALTER TABLE plan_items ADD COLUMN weakest_score REAL;
