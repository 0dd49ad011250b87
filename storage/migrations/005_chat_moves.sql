-- Chats that move or lose the bot (issue 12). `migrated_to`: Telegram moved this group to a
-- supergroup with that id; everything now lives there and updates from here change nothing.
-- `paused`: the bot was removed from the chat; its schedule and reminders wait (kept) until
-- it is added back.
ALTER TABLE chats ADD COLUMN migrated_to INTEGER;
ALTER TABLE chats ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
