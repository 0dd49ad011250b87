"""An in-process Telegram for the demo and the tests.

A Bot session that answers every request like the Bot API would (messages get ids, members
and admins come from two tables) and remembers what was asked, factories for users, chats and
updates, and a Harness that feeds them to the real dispatcher over a real database.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChatAdministrators,
    GetChatMember,
    GetChatMemberCount,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    Message,
    Update,
    User,
)

from bot.app import build
from bot.config import Config
from bot.context import AppContext
from bot.i18n import make_i18n
from bot.scheduler import JobScheduler
from storage import Storage

BOT_USER = User(id=42, is_bot=True, first_name="Touchwheel", username="touchwheel_bot")
_ids = itertools.count(1000)


@dataclass
class Recorded:
    method: TelegramMethod[Any]

    @property
    def text(self) -> str:
        return str(getattr(self.method, "text", None) or getattr(self.method, "caption", "") or "")


class RecordingSession(BaseSession):
    """Answers every request like Telegram would and remembers it for the test."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.admins: dict[int, set[int]] = {}
        self.members: dict[tuple[int, int], str] = {}
        self._message_ids = itertools.count(5000)
        self.blocked: set[int] = set()  # users who blocked the bot: 403 on every message

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    def _message(self, chat_id: int | str, **fields: Any) -> Message:
        chat_type = "private" if int(chat_id) > 0 else "supergroup"
        return Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=Chat(id=int(chat_id), type=chat_type),
            from_user=BOT_USER,
            **fields,
        )

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.requests.append(method)
        chat_id = getattr(method, "chat_id", None)
        if isinstance(method, SendMessage) and chat_id in self.blocked:
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot was blocked by the user"
            )
        result: Any = True
        if isinstance(method, GetMe):
            result = BOT_USER
        elif isinstance(method, SendMessage):
            result = self._message(method.chat_id, text=method.text)
        elif isinstance(method, SendPhoto | SendDocument):
            result = self._message(method.chat_id, caption=method.caption)
        elif isinstance(method, EditMessageText | EditMessageReplyMarkup):
            assert method.chat_id is not None and method.message_id is not None
            result = Message(
                message_id=method.message_id,
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="supergroup"),
                text=getattr(method, "text", None),
            )
        elif isinstance(method, GetChatAdministrators):
            result = [
                self._member(int(method.chat_id), uid)
                for uid in sorted(self.admins.get(int(method.chat_id), set()))
            ]
        elif isinstance(method, GetChatMember):
            result = self._member(int(method.chat_id), method.user_id)
        elif isinstance(method, GetChatMemberCount):
            result = self.member_count(int(method.chat_id))
        return result  # type: ignore[no-any-return]

    def member_count(self, chat_id: int) -> int:
        """Admins and members of the chat, and the bot itself, as Telegram counts them."""
        people = set(self.admins.get(chat_id, set()))
        people |= {
            uid
            for (cid, uid), status in self.members.items()
            if cid == chat_id and status in ("member", "administrator")
        }
        return len(people) + 1

    def _member(self, chat_id: int, user_id: int) -> Any:
        user = User(id=user_id, is_bot=False, first_name=f"U{user_id}")
        if user_id in self.admins.get(chat_id, set()):
            return ChatMemberOwner(user=user, is_anonymous=False)
        status = self.members.get((chat_id, user_id), "left")
        if status == "member":
            return ChatMemberMember(user=user)
        if status == "administrator":
            return ChatMemberAdministrator(
                user=user,
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=False,
                can_restrict_members=False,
                can_promote_members=False,
                can_change_info=False,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_send_welcome_messages=False,
                can_pin_messages=True,
            )
        return ChatMemberLeft(user=user)

    def sent(self, chat_id: int | None = None) -> list[Recorded]:
        """Messages the bot sent (to one chat, if given)."""
        return [
            Recorded(m)
            for m in self.requests
            if isinstance(m, SendMessage | SendPhoto | SendDocument)
            and (chat_id is None or int(m.chat_id) == chat_id)
        ]

    def answers(self) -> list[AnswerCallbackQuery]:
        return [m for m in self.requests if isinstance(m, AnswerCallbackQuery)]

    def of(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        return [m for m in self.requests if isinstance(m, kind)]


# --- factories ---------------------------------------------------------------------------


def make_user(name: str, lang: str | None = "en", user_id: int | None = None) -> User:
    return User(
        id=user_id or next(_ids),
        is_bot=False,
        first_name=name,
        username=name.lower(),
        language_code=lang,
    )


def group_chat(chat_id: int = -100123, title: str = "Team") -> Chat:
    return Chat(id=chat_id, type="supergroup", title=title)


def private_chat(user: User) -> Chat:
    return Chat(id=user.id, type="private", first_name=user.first_name)


_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def message(
    user: User,
    chat: Chat,
    text: str,
    reply_to: Message | None = None,
    message_id: int | None = None,
) -> Message:
    return Message(
        message_id=message_id or next(_message_ids),
        date=datetime.now(UTC),
        chat=chat,
        from_user=user,
        text=text,
        reply_to_message=reply_to,
    )


def message_update(msg: Message) -> Update:
    return Update(update_id=next(_update_ids), message=msg)


def callback_update(user: User, msg: Message, data: str) -> Update:
    return Update(
        update_id=next(_update_ids),
        callback_query=CallbackQuery(
            id=str(next(_update_ids)),
            from_user=user,
            chat_instance="1",
            message=msg,
            data=data,
        ),
    )


@dataclass
class Harness:
    """A fresh Dispatcher over a real Storage and a recording session."""

    ctx: AppContext
    dp: Dispatcher
    session: RecordingSession
    bot: Bot
    updates: list[Update] = field(default_factory=list)

    async def say(
        self, user: User, chat: Chat, text: str, reply_to: Message | None = None
    ) -> Message:
        msg = message(user, chat, text, reply_to).as_(self.bot)
        await self.feed(message_update(msg))
        return msg

    async def feed(self, update: Update) -> None:
        """Handle one update, and wait for the work it started in the background (results
        being published) as a person would wait for the messages."""
        self.updates.append(update)
        await self.dp.feed_update(self.bot, update)
        await self.settle()

    async def settle(self) -> None:
        """Wait until the jobs started in the background are done."""
        await self.ctx.scheduler.idle()

    async def click(self, user: User, msg: Message, data: str) -> None:
        await self.feed(callback_update(user, msg, data))


async def make_harness(config: Config, db_path: str) -> Harness:
    session = RecordingSession()
    bot = Bot(
        token="42:TEST",
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    store = await Storage.open(db_path)
    ctx = AppContext(
        bot=bot,
        store=store,
        config=config,
        i18n=make_i18n(config.locale.default),
        scheduler=JobScheduler(store.jobs),
        bot_username="touchwheel_bot",
    )
    dp, _ = build(ctx)
    return Harness(ctx=ctx, dp=dp, session=session, bot=bot)
