"""A local fake of the Telegram Bot API, good enough to run the real bot process against.

It keeps users, chats and every message, answers the bot's HTTP calls with Telegram's
shapes and errors (400 on bad HTML or long text, 403 for users who never started the
bot, 429 past 20 group messages a minute) and lets a test speak as several users.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

BOT_ID = 7_000_000_001
BOT_USERNAME = "touchwheel_test_bot"
BOT_TOKEN = f"{BOT_ID}:TEST-token-for-the-fake-api"
GROUP_LIMIT_PER_MINUTE = 20
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_BAD_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "reaction",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "media",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class _HtmlChecker(HTMLParser):
    """Telegram's HTML subset: known tags only, properly nested, entities escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        self.text.append(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(unescape(f"&#{name};"))


def plain_text(text: str, parse_mode: str | None) -> str:
    """What the user sees: the text with HTML parsed (raising Telegram's 400 on errors)."""
    if parse_mode != "HTML":
        return text
    match = _BAD_ENTITY.search(text)
    if match:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end of the entity starting at "
            f"byte offset {len(text[: match.start()].encode())}",
        )
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag for \"{checker.stack[-1]}\"",
        )
    return "".join(checker.text)


@dataclass
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"
    started: bool = False
    blocked: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class FakeChat:
    id: int
    type: str
    title: str | None = None
    user: FakeUser | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_can_pin: bool = True

    def as_dict(self) -> dict[str, Any]:
        if self.type == "private":
            assert self.user is not None
            return {"id": self.id, "type": "private", "first_name": self.user.first_name}
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class Sent:
    """A message in a chat, as Telegram stores it; `text` is what the reader sees."""

    chat_id: int
    message_id: int
    from_bot: bool
    text: str
    raw: dict[str, Any]
    markup: dict[str, Any] | None = None
    html: str | None = None
    file: bytes | None = None
    file_name: str | None = None
    kind: str = "text"
    pinned: bool = False
    reactions: list[str] = field(default_factory=list)
    edits: int = 0
    sent_at: float = field(default_factory=time.monotonic)

    def buttons(self) -> list[dict[str, Any]]:
        if not self.markup:
            return []
        return [button for row in self.markup.get("inline_keyboard", []) for button in row]

    def button(self, label: str) -> dict[str, Any]:
        """The inline button labelled exactly `label`, else the first whose text contains it."""
        for button in self.buttons():
            if button["text"] == label:
                return button
        for button in self.buttons():
            if label in button["text"]:
                return button
        labels = [b["text"] for b in self.buttons()]
        raise AssertionError(f"no button {label!r} on message {self.message_id}: {labels}")


class FakeTelegram:
    """The server plus a test client's view of it."""

    def __init__(self) -> None:
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.messages: dict[int, list[Sent]] = defaultdict(list)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, int, str]] = []
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.polls = 0
        self.throttle: dict[int, int] = {}  # chat id -> sends still to refuse with 429
        self._closing = False
        self._updates: list[dict[str, Any]] = []
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
        self.port = 0
        self.clock: Callable[[], float] = time.monotonic

    # --- lifecycle ---------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self._closing = True
        await self._notify()  # release long polls at once instead of at their timeout
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the world -----------------------------------------------------------------

    def user(self, name: str, lang: str | None = "en", username: str | None = None) -> FakeUser:
        user = FakeUser(next(self._user_ids), name, username or name.lower(), lang)
        self.users[user.id] = user
        return user

    def group(
        self,
        title: str,
        members: list[FakeUser],
        admins: list[FakeUser] = (),  # type: ignore[assignment]
        *,
        bot_can_pin: bool = True,
    ) -> FakeChat:
        chat_id = -1_001_000_000_000 - next(self._group_ids)
        chat = FakeChat(chat_id, "supergroup", title, bot_can_pin=bot_can_pin)
        for member in members:
            chat.members[member.id] = "member"
        for admin in admins:
            chat.members[admin.id] = "administrator"
        if admins:
            chat.members[admins[0].id] = "creator"
        self.chats[chat_id] = chat
        return chat

    def private(self, user: FakeUser) -> FakeChat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = FakeChat(user.id, "private", user=user)
            self.chats[user.id] = chat
        return chat

    # --- speaking as users -------------------------------------------------------------

    def _message(self, user: FakeUser, chat: FakeChat, text: str) -> dict[str, Any]:
        message_id = next(self._message_ids[chat.id])
        data: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": user.as_dict(),
            "text": text,
        }
        command = re.match(r"/[A-Za-z0-9_]+(@\w+)?", text)
        if command:
            data["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return data

    async def send(
        self, user: FakeUser, chat: FakeChat, text: str, reply_to: Sent | None = None
    ) -> Sent:
        """`user` writes `text` in `chat` (optionally replying to a message)."""
        if chat.type == "private":
            user.started = True
        data = self._message(user, chat, text)
        if reply_to is not None:
            data["reply_to_message"] = reply_to.raw
        sent = Sent(chat.id, data["message_id"], False, text, data)
        self.messages[chat.id].append(sent)
        await self._push({"message": data})
        return sent

    async def start_bot(self, user: FakeUser, payload: str | None = None) -> Sent:
        """`user` opens the bot's private chat (optionally through a deep link)."""
        return await self.send(
            user, self.private(user), f"/start {payload}" if payload else "/start"
        )

    async def press(self, user: FakeUser, message: Sent, label: str) -> dict[str, Any]:
        """`user` taps the button labelled `label`; returns the bot's callback answer."""
        button = message.button(label)
        return await self.press_data(user, message, button["callback_data"])

    async def press_data(self, user: FakeUser, message: Sent, data: str) -> dict[str, Any]:
        """`user` sends a callback query with arbitrary data (forged presses included)."""
        query_id = str(next(self._callback_ids))
        raw = dict(message.raw)
        raw["text"] = message.html or message.text
        if message.markup:
            raw["reply_markup"] = message.markup
        await self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.as_dict(),
                    "message": raw,
                    "chat_instance": str(message.chat_id),
                    "data": data,
                }
            }
        )
        await self.wait_for(lambda: query_id in self.callback_answers, what=f"answer to {data}")
        return self.callback_answers[query_id]

    async def _push(self, payload: dict[str, Any]) -> None:
        async with self._changed:
            self._updates.append({"update_id": next(self._update_ids), **payload})
            self._changed.notify_all()

    # --- reading what the bot did -------------------------------------------------------

    def bot_messages(self, chat: FakeChat) -> list[Sent]:
        return [m for m in self.messages[chat.id] if m.from_bot]

    def find(self, chat: FakeChat, contains: str) -> list[Sent]:
        return [m for m in self.bot_messages(chat) if contains in m.text]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 15.0, what: str = "condition"
    ) -> Any:
        """Wait until predicate() is truthy (re-checked on every API call); return it."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    async def wait_message(
        self, chat: FakeChat, contains: str, timeout: float = 15.0, after: int = 0
    ) -> Sent:
        """The first bot message in `chat` (with id above `after`) containing `contains`."""

        def found() -> Sent | None:
            for message in self.bot_messages(chat):
                if message.message_id > after and contains in message.text:
                    return message
            return None

        result: Sent = await self.wait_for(found, timeout, what=f"message with {contains!r}")
        return result

    def max_sends_per_minute(self, chat: FakeChat) -> int:
        """The most messages the bot got into `chat` within any 60-second window."""
        stamps = sorted(self.accepted_sends[chat.id])
        best = 0
        start = 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= 60:
                start += 1
            best = max(best, end - start + 1)
        return best

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    # --- the HTTP side -------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != BOT_TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params, files = await self._params(request)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        if method != "getUpdates":
            self.calls.append((method, params))
        try:
            result = await handler(params, files)
        except ApiError as exc:
            self.errors.append((method, exc.code, exc.description))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            await self._notify()
            return web.json_response(body, status=exc.code)
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params = await request.json()
            return params, files
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, FileField):
                files[key] = value.file.read()
                continue
            text = str(value)
            if key in _JSON_FIELDS:
                params[key] = json.loads(text)
            elif re.fullmatch(r"-?\d+", text) and key != "text" and key != "caption":
                params[key] = int(text)
            elif text in ("true", "false") and key not in ("text", "caption"):
                params[key] = text == "true"
            else:
                params[key] = text
        return params, files

    def _chat(self, chat_id: Any) -> FakeChat:
        chat = self.chats.get(int(chat_id))
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
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= GROUP_LIMIT_PER_MINUTE:
            retry = max(1, int(60 - (now - window[0])) + 1)
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
        sent = Sent(chat.id, message_id, True, raw=raw, markup=markup or None, **extra)
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
        self.polls += 1
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
        return True
