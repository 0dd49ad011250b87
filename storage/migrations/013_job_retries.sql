-- Issue 27. A failing job retries with back-off and is dropped after a few attempts (or at
-- once when Telegram refuses for good): how often it failed, and why it was dropped. A run
-- records the steps it finished (`steps`, a JSON list of names), so a retry does not repeat
-- them.
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN steps TEXT NOT NULL DEFAULT '[]';
ALTER TABLE jobs ADD COLUMN error TEXT;
-- The bell's list goes out in parts; a bell repeated after a failure posts only the parts
-- that are not out yet.
ALTER TABLE workshops ADD COLUMN list_parts INTEGER NOT NULL DEFAULT 0;
-- Only a board the bot pinned is unpinned. Boards of running brainstorms may be pinned.
ALTER TABLE workshops ADD COLUMN board_pinned INTEGER NOT NULL DEFAULT 0;
UPDATE workshops SET board_pinned = 1
    WHERE board_message_id IS NOT NULL AND phase = 'brainstorm';
-- When a message was taken in, so that old ones can be forgotten (Telegram repeats an
-- update for a day at most). Messages kept so far count from their workshop's start.
CREATE TABLE processed_messages_new (
    chat_id         INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    workshop_id     INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    seen_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')),
    PRIMARY KEY (chat_id, message_id)
);
INSERT INTO processed_messages_new (chat_id, message_id, workshop_id, seen_at)
    SELECT p.chat_id, p.message_id, p.workshop_id, w.started_at
    FROM processed_messages p JOIN workshops w ON w.id = p.workshop_id;
DROP TABLE processed_messages;
ALTER TABLE processed_messages_new RENAME TO processed_messages;
CREATE INDEX processed_messages_seen ON processed_messages (seen_at);
