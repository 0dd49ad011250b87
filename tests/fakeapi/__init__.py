"""A local fake of the Telegram Bot API, good enough to run the real bot process against.

It keeps users, chats and every message, answers the bot's HTTP calls with Telegram's
shapes and errors (400 on bad HTML or long text, 403 for users who never started the
bot, 429 past 20 group messages a minute) and lets a test speak as several users.
`wire` holds the records and error shapes, `methods` the Bot API methods, `server` the
HTTP side and the test client.
"""

from tests.fakeapi.server import FakeTelegram
from tests.fakeapi.wire import BOT_TOKEN, FakeChat, FakeUser, Sent

__all__ = ["BOT_TOKEN", "FakeChat", "FakeTelegram", "FakeUser", "Sent"]
