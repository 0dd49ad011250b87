-- What the plan did (issue 24). Each plan item remembers the round it was first made in (an
-- unfinished item carried to the next round's plan keeps it: "since round N"), and whether
-- its spoke recovered above the short plan's line (it left the short plan, history kept).
-- Items before this were made in their own round.
ALTER TABLE plan_items ADD COLUMN made_round INTEGER;
ALTER TABLE plan_items ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0;
UPDATE plan_items SET made_round = (SELECT number FROM rounds WHERE rounds.id = plan_items.round_id);
