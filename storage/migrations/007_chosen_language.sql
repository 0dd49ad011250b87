-- The language a user chose with /settings in private; it wins over Telegram's
-- language_code (which is refreshed on every update) for everything the bot writes to them.
ALTER TABLE users ADD COLUMN chosen_locale TEXT;
