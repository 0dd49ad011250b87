"""Pure workshop logic: no aiogram, no aiosqlite, only values in and values out."""
