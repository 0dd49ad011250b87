"""An in-process Telegram for the demo and the tests.

A Bot session that answers the Bot API methods the bot uses like Telegram would (messages get
ids, members and admins come from two tables), refuses any other method loudly and remembers
what was asked; factories for users, chats and updates, and a Harness that feeds them to the
real dispatcher over a real database.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChatAdministrators,
    GetChatMember,
    GetChatMemberCount,
    GetMe,
    PinChatMessage,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMessageReaction,
    SetMyCommands,
    SetWebhook,
    TelegramMethod,
    UnpinChatMessage,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    Document,
    InlineKeyboardMarkup,
    Message,
    PhotoSize,
    Update,
    User,
)

from bot.app import build
from bot.config import Config
from bot.context import AppContext
from bot.i18n import make_i18n
from bot.scheduler import JobScheduler, job_key
from storage import Storage
from storage.db import utcnow

BOT_USER = User(id=42, is_bot=True, first_name="Touchwheel", username="touchwheel_bot")
_ids = itertools.count(1000)


@dataclass
class Recorded:
    method: TelegramMethod[Any]

    @property
    def text(self) -> str:
        return str(getattr(self.method, "text", None) or getattr(self.method, "caption", "") or "")


class UnknownMethodError(AssertionError):
    """The bot called a Bot API method the in-process Telegram does not know: a test did not
    expect it (or the session lacks a realistic answer for it)."""


class RecordingSession(BaseSession):
    """Answers the Bot API methods the bot uses like Telegram would and remembers every request
    for the test.

    Any other method is refused: it is kept in `unknown` and raises UnknownMethodError. The
    bot may swallow that error (its error handler answers every failed update), so the test
    fixtures check `unknown` after each test as well.
    """

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.unknown: list[str] = []  # api names of the methods refused
        self.admins: dict[int, set[int]] = {}
        self.members: dict[tuple[int, int], str] = {}
        self._message_ids = itertools.count(5000)
        self._file_ids = itertools.count(1)
        self.blocked: set[int] = set()  # users who blocked the bot: 403 on every message
        self.pinning: set[int] = set()  # groups where the bot is an admin that may pin
        self._answers: dict[type[TelegramMethod[Any]], Callable[[Any], Any]] = {
            GetMe: lambda _: BOT_USER,
            SendMessage: self._send_message,
            SendPhoto: self._send_photo,
            SendDocument: self._send_document,
            EditMessageText: self._edited,
            EditMessageReplyMarkup: self._edited,
            DeleteMessage: self._done,
            AnswerCallbackQuery: self._done,
            SetMessageReaction: self._done,
            PinChatMessage: self._pin,
            UnpinChatMessage: self._pin,
            GetChatMember: lambda m: self._member(int(m.chat_id), m.user_id),
            GetChatMemberCount: lambda m: self.member_count(int(m.chat_id)),
            GetChatAdministrators: self._administrators,
            SetMyCommands: self._done,
            SetWebhook: self._done,
        }

    @property
    def known(self) -> frozenset[str]:
        """The Bot API methods this session answers."""
        return frozenset(kind.__api_method__ for kind in self._answers)

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

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.requests.append(method)
        answer = self._answers.get(type(method))
        if answer is None:
            name = method.__api_method__
            self.unknown.append(name)
            raise UnknownMethodError(
                f"the bot called {name}, which the in-process Telegram does not know "
                f"(it answers {', '.join(sorted(self.known))}): {method!r}"
            )
        chat_id = getattr(method, "chat_id", None)
        if isinstance(method, SendMessage) and chat_id in self.blocked:
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot was blocked by the user"
            )
        return answer(method)  # type: ignore[no-any-return]

    # --- the answers -------------------------------------------------------------------------

    @staticmethod
    def _done(method: TelegramMethod[Any]) -> bool:
        return True

    @staticmethod
    def _chat(chat_id: int | str) -> Chat:
        return Chat(id=int(chat_id), type="private" if int(chat_id) > 0 else "supergroup")

    def _message(self, method: SendMessage | SendPhoto | SendDocument, **fields: Any) -> Message:
        """The message a send creates, as Telegram returns it: in the forum topic it was sent
        to, with its inline keyboard (Telegram returns no other kind of markup)."""
        thread = method.message_thread_id
        markup = method.reply_markup
        return Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=self._chat(method.chat_id),
            from_user=BOT_USER,
            message_thread_id=thread,
            is_topic_message=True if thread is not None else None,
            reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            **fields,
        )

    def _send_message(self, method: SendMessage) -> Message:
        return self._message(method, text=method.text)

    def _file_id(self) -> str:
        return f"file{next(self._file_ids)}"

    def _send_photo(self, method: SendPhoto) -> Message:
        file_id = self._file_id()
        return self._message(
            method,
            caption=method.caption,
            photo=[PhotoSize(file_id=file_id, file_unique_id=file_id, width=1000, height=1000)],
        )

    def _send_document(self, method: SendDocument) -> Message:
        file_id = self._file_id()
        name = getattr(method.document, "filename", None)
        return self._message(
            method,
            caption=method.caption,
            document=Document(file_id=file_id, file_unique_id=file_id, file_name=name),
        )

    def _edited(self, method: EditMessageText | EditMessageReplyMarkup) -> Message:
        # The bot edits messages in chats (never inline ones): Telegram returns the message.
        assert method.chat_id is not None and method.message_id is not None, method
        return Message(
            message_id=method.message_id,
            date=datetime.now(UTC),
            chat=self._chat(method.chat_id),
            from_user=BOT_USER,
            text=getattr(method, "text", None),
            reply_markup=method.reply_markup,
        )

    def _pin(self, method: PinChatMessage | UnpinChatMessage) -> bool:
        if int(method.chat_id) not in self.pinning:
            raise TelegramBadRequest(
                method=method,
                message="Bad Request: not enough rights to manage pinned messages in the chat",
            )
        return True

    def _administrators(self, method: GetChatAdministrators) -> list[Any]:
        chat_id = int(method.chat_id)
        return [self._member(chat_id, uid) for uid in sorted(self.admins.get(chat_id, set()))]

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
        if user_id == BOT_USER.id:
            # The bot is in every group it hears from: a plain member unless it may pin there.
            user = BOT_USER
            status = "administrator" if chat_id in self.pinning else "member"
        else:
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
        """Wait until the jobs and tasks started in the background are done."""
        await self.ctx.scheduler.idle()
        if self.ctx.background:
            await asyncio.wait(set(self.ctx.background))

    async def click(self, user: User, msg: Message, data: str) -> None:
        await self.feed(callback_update(user, msg, data))

    async def run_due_jobs(self) -> None:
        """Run the stored jobs whose time has come by the process's clock, oldest first, as
        the timer would have (the demo moves the clock on between rounds)."""
        for job in await self.ctx.store.jobs.pending():
            if job.run_at <= utcnow():
                suffix = job.key.removeprefix(job_key(job.kind, job.ref_id)).removeprefix(":")
                self.ctx.scheduler.run_stored(job.kind, job.ref_id, suffix)
                await self.settle()


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
