-- The length asked for with /rate while the shortlist is still being picked.
ALTER TABLE workshops ADD COLUMN round_seconds INTEGER;
-- Human members of the group, last counted (getChatMemberCount minus the bot): a round
-- closes by itself only when this many people have finished.
ALTER TABLE rounds ADD COLUMN members INTEGER;
-- The one "Close now" offer made to the facilitator when everyone who started is done.
ALTER TABLE rounds ADD COLUMN close_offer_message_id INTEGER;
-- The wheel posted for the round: raters get a private link to it.
ALTER TABLE rounds ADD COLUMN results_message_id INTEGER;
