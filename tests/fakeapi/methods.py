"""The fake's state and the Bot API methods it answers, with Telegram's errors."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakeapi.wire import (
    BOT_ID,
    BOT_USERNAME,
    CAPTION_LIMIT,
    GROUP_LIMIT_PER_MINUTE,
    TEXT_LIMIT,
    ApiError,
    FakeChat,
    FakeUser,
    Sent,
    plain_text,
)

# What Telegram sends only to a bot that lists it in allowed_updates.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class FakeBotApi:
    """Users, chats and every message, and the `_api_<method>` handlers over them."""

    def __init__(self, group_window: float = 60) -> None:
        # Telegram counts a group's 20 messages in a minute; tests may shrink the minute
        # (and tell the bot the same) so that a paced conversation runs faster.
        self.group_window = group_window
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.messages: dict[int, list[Sent]] = defaultdict(list)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, int, str]] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        # When each callback query was handed to the bot and when the bot answered it.
        self.callback_pushed_at: dict[str, float] = {}
        self.callback_answered_at: dict[str, float] = {}
        self.commands: list[dict[str, Any]] = []
        self.webhook: tuple[str, str | None] | None = None  # url, secret token
        self.webhook_sets = 0
        self.polls = 0
        self.throttle: dict[int, int] = {}  # chat id -> sends still to refuse with 429
        self._closing = False
        self._updates: list[dict[str, Any]] = []
        # The update kinds the bot asked for (getUpdates or setWebhook); None: Telegram's
        # default, every kind but chat_member and the reaction ones.
        self.allowed_updates: frozenset[str] | None = None
        self.dropped_updates: list[dict[str, Any]] = []  # kinds the bot did not ask for
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._user_ids = itertools.count(100_001)
        self._group_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._sends: dict[int, deque[float]] = defaultdict(deque)
        self.accepted_sends: dict[int, list[float]] = defaultdict(list)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._delivery: asyncio.Task[None] | None = None
        self.deliveries: list[int] = []  # HTTP statuses of webhook posts
        self.port = 0
        self.clock: Callable[[], float] = time.monotonic

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _chat(self, chat_id: Any) -> FakeChat:
        chat = self.chats.get(int(chat_id))
        user = self.users.get(int(chat_id))
        if chat is None and user is not None:
            # A user who never opened the bot's chat: sending there is a 403, as in Telegram.
            chat = self.chats[user.id] = FakeChat(user.id, "private", user=user)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _find(self, chat_id: int, message_id: int) -> Sent:
        for message in self.messages[chat_id]:
            if message.message_id == message_id:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _check_send(self, chat: FakeChat) -> None:
        if chat.type == "private":
            assert chat.user is not None
            if not chat.user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            if chat.user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            return
        if self.throttle.get(chat.id, 0) > 0:
            self.throttle[chat.id] -= 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        now = self.clock()
        window = self._sends[chat.id]
        while window and now - window[0] >= self.group_window:
            window.popleft()
        if len(window) >= GROUP_LIMIT_PER_MINUTE:
            retry = max(1, int(self.group_window - (now - window[0])) + 1)
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        window.append(now)
        self.accepted_sends[chat.id].append(now)

    def _store(self, chat: FakeChat, params: dict[str, Any], **extra: Any) -> Sent:
        message_id = next(self._message_ids[chat.id])
        raw: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Touchwheel",
                "username": BOT_USERNAME,
            },
        }
        markup = params.get("reply_markup")
        if markup:
            raw["reply_markup"] = markup
        thread = params.get("message_thread_id")
        if thread is not None:
            if int(thread) not in chat.topics:
                raise ApiError(400, "Bad Request: message thread not found")
            raw["message_thread_id"], raw["is_topic_message"] = int(thread), True
        sent = Sent(
            chat.id,
            message_id,
            True,
            raw=raw,
            markup=markup or None,
            thread=int(thread) if thread is not None else None,
            **extra,
        )
        if sent.kind == "text":
            raw["text"] = sent.text
        self.messages[chat.id].append(sent)
        return sent

    async def _api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Touchwheel",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self.polls += 1
        self._allow(params.get("allowed_updates"))
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            if offset:
                # Telegram forgets every update below the offset: they are confirmed.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            deadline = time.monotonic() + timeout
            while not self._updates and not self._closing and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(
                        self._changed.wait(), max(0.01, deadline - time.monotonic())
                    )
                except TimeoutError:
                    break
            return list(self._updates[:100])

    async def _api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self._chat(params["chat_id"])
        html = str(params.get("text", ""))
        text = plain_text(html, params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        self._check_send(chat)
        return self._store(chat, params, text=text, html=html).raw

    async def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return await self._send_file(params, files, "photo")

    async def _api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return await self._send_file(params, files, "document")

    async def _send_file(self, params: dict[str, Any], files: dict[str, bytes], kind: str) -> Any:
        chat = self._chat(params["chat_id"])
        ref = str(params.get(kind, ""))
        if not ref.startswith("attach://") or ref.removeprefix("attach://") not in files:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        html = str(params.get("caption", ""))
        caption = plain_text(html, params.get("parse_mode"))
        if len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        self._check_send(chat)
        data = files[ref.removeprefix("attach://")]
        file_id = f"file{next(self._file_ids)}"
        sent = self._store(chat, params, text=caption, html=html, file=data, kind=kind)
        if caption:
            sent.raw["caption"] = caption
        if kind == "photo":
            sent.raw["photo"] = [
                {"file_id": file_id, "file_unique_id": file_id, "width": 1000, "height": 1000}
            ]
        else:
            sent.raw["document"] = {"file_id": file_id, "file_unique_id": file_id}
        return sent.raw

    async def _api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self._chat(params["chat_id"])
        message = self._find(chat.id, int(params["message_id"]))
        html = str(params.get("text", ""))
        text = plain_text(html, params.get("parse_mode"))
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = params.get("reply_markup") or None
        if text == message.text and markup == message.markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a content and reply markup of the "
                "current message",
            )
        message.text, message.html, message.markup = text, html, markup
        message.raw["text"] = text
        message.edits += 1
        return message.raw

    async def _api_editMessageReplyMarkup(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        message = self._find(chat.id, int(params["message_id"]))
        markup = params.get("reply_markup") or None
        if markup == message.markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.markup = markup
        message.edits += 1
        return message.raw

    async def _api_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self._chat(params["chat_id"])
        message = self._find(chat.id, int(params["message_id"]))
        self.messages[chat.id].remove(message)
        return True

    async def _api_answerCallbackQuery(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        query_id = str(params["callback_query_id"])
        if query_id in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        self.callback_answers[query_id] = {
            "text": params.get("text"),
            "show_alert": bool(params.get("show_alert")),
        }
        self.callback_answered_at[query_id] = self.clock()
        return True

    async def _api_setMessageReaction(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        message = self._find(chat.id, int(params["message_id"]))
        message.reactions = [r.get("emoji", "") for r in params.get("reaction", [])]
        return True

    async def _api_pinChatMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self._chat(params["chat_id"])
        if not chat.bot_can_pin:
            raise ApiError(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        self._find(chat.id, int(params["message_id"])).pinned = True
        return True

    async def _api_unpinChatMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self._chat(params["chat_id"])
        if not chat.bot_can_pin:
            raise ApiError(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        if "message_id" in params:
            self._find(chat.id, int(params["message_id"])).pinned = False
        return True

    def _member(self, chat: FakeChat, user: FakeUser | None, user_id: int) -> dict[str, Any]:
        status = chat.members.get(user_id, "left")
        user_dict = user.as_dict() if user else {"id": user_id, "is_bot": False, "first_name": "?"}
        member: dict[str, Any] = {"status": status, "user": user_dict}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            for flag in (
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_send_welcome_messages",
            ):
                member[flag] = flag in ("can_manage_chat", "can_delete_messages")
        elif status == "restricted":
            for flag in (
                "can_send_messages",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_react_to_messages",
                "can_edit_tag",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_manage_topics",
            ):
                member[flag] = False
            member["is_member"] = True
            member["until_date"] = 0
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def _api_getChatMember(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self._chat(params["chat_id"])
        user_id = int(params["user_id"])
        if user_id == BOT_ID:
            status = "administrator" if chat.bot_can_pin else "member"
            member = self._member(
                FakeChat(0, "supergroup", members={BOT_ID: status}), None, BOT_ID
            )
            member["user"] = {"id": BOT_ID, "is_bot": True, "first_name": "Touchwheel"}
            if status == "administrator":
                member["can_pin_messages"] = True
            return member
        return self._member(chat, self.users.get(user_id), user_id)

    async def _api_getChatMemberCount(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        if chat.type == "private":
            return 2
        present = ("creator", "administrator", "member", "restricted")
        return sum(1 for status in chat.members.values() if status in present) + 1  # the bot

    async def _api_getChatAdministrators(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        chat = self._chat(params["chat_id"])
        return [
            self._member(chat, self.users.get(user_id), user_id)
            for user_id, status in chat.members.items()
            if status in ("creator", "administrator")
        ]

    async def _api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.commands.append(params)
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        url = str(params.get("url") or "")
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = (url, None if secret is None else str(secret))
        self._allow(params.get("allowed_updates"))
        self.webhook_sets += 1
        self._start_delivery()
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        url = self.webhook[0] if self.webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    def _allow(self, kinds: Any) -> None:
        """allowed_updates as Telegram keeps it: a list replaces the setting (an empty one
        means the default), no list keeps the last one."""
        if kinds is not None:
            self.allowed_updates = frozenset(kinds) or None

    def wanted(self, update: dict[str, Any]) -> bool:
        """Whether Telegram would send this update to the bot at all."""
        kind = next(key for key in update if key != "update_id")
        if self.allowed_updates is None:
            return kind not in NOT_BY_DEFAULT
        return kind in self.allowed_updates

    def _start_delivery(self) -> None:
        """Overridden by the server: post pending updates to the webhook."""
