"""The fake as an HTTP server, and a test's way to speak as users and wait for the bot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp import ClientError, ClientSession, web
from aiohttp.web_request import FileField

from tests.fakeapi.methods import FakeBotApi
from tests.fakeapi.wire import _JSON_FIELDS, BOT_TOKEN, ApiError, FakeChat, FakeUser, Sent


class FakeTelegram(FakeBotApi):
    """The server plus a test client's view of it."""

    # --- lifecycle ---------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self._closing = True
        if self._delivery is not None:
            self._delivery.cancel()
        await self._notify()  # release long polls at once instead of at their timeout
        if self._runner is not None:
            await self._runner.cleanup()

    # --- webhook delivery ---------------------------------------------------------------

    def _start_delivery(self) -> None:
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.create_task(self._deliver())

    async def _deliver(self) -> None:
        """Post each update to the webhook in order, with the secret token header, and
        retry (like Telegram) until the bot answers 2xx."""
        async with ClientSession() as session:
            while self.webhook is not None and not self._closing:
                async with self._changed:
                    while not self._updates and self.webhook is not None and not self._closing:
                        await self._changed.wait()
                    if not self._updates or self.webhook is None:
                        continue
                    update = self._updates[0]
                url, secret = self.webhook
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                try:
                    async with session.post(url, json=update, headers=headers) as response:
                        self.deliveries.append(response.status)
                        delivered = 200 <= response.status < 300
                except ClientError:
                    delivered = False
                if delivered:
                    async with self._changed:
                        if self._updates and self._updates[0] is update:
                            self._updates.pop(0)
                        self._changed.notify_all()
                else:
                    await asyncio.sleep(0.2)

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
        topics: tuple[int, ...] = (),
    ) -> FakeChat:
        """A supergroup; with `topics`, a forum with those topic ids."""
        chat_id = -1_001_000_000_000 - next(self._group_ids)
        chat = FakeChat(chat_id, "supergroup", title, bot_can_pin=bot_can_pin, topics=set(topics))
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
        self,
        user: FakeUser,
        chat: FakeChat,
        text: str,
        reply_to: Sent | None = None,
        thread: int | None = None,
    ) -> Sent:
        """`user` writes `text` in `chat` (optionally replying to a message, or in a forum
        topic: a reply lands in the topic of the message it answers)."""
        if chat.type == "private":
            user.started = True
        data = self._message(user, chat, text)
        if reply_to is not None:
            data["reply_to_message"] = reply_to.raw
            thread = reply_to.thread
        if thread is not None:
            data["message_thread_id"], data["is_topic_message"] = thread, True
        sent = Sent(chat.id, data["message_id"], False, text, data, thread=thread)
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
        query_id = await self.push_callback(user, message, data)
        await self.wait_for(lambda: query_id in self.callback_answers, what=f"answer to {data}")
        return self.callback_answers[query_id]

    async def push_callback(self, user: FakeUser, message: Sent, data: str) -> str:
        """Hand the bot a callback query without waiting for its answer; its id."""
        query_id = str(next(self._callback_ids))
        self.callback_pushed_at[query_id] = self.clock()
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
        return query_id

    async def set_member(self, chat: FakeChat, user: FakeUser, status: str, by: FakeUser) -> None:
        """`by` changes `user`'s status in `chat` ("member", "left", "kicked", …): the bot
        hears of it through a chat_member update, if it asked for those."""
        old = chat.members.get(user.id, "left")
        chat.members[user.id] = status

        def member(status: str) -> dict[str, Any]:
            # Admins' many rights are left out: they change as members here.
            found: dict[str, Any] = {"status": status, "user": user.as_dict()}
            if status == "kicked":
                found["until_date"] = 0
            elif status not in ("member", "left"):
                found["status"] = "member"
            return found

        await self._push(
            {
                "chat_member": {
                    "chat": chat.as_dict(),
                    "from": by.as_dict(),
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(status),
                }
            }
        )

    async def _push(self, payload: dict[str, Any]) -> None:
        async with self._changed:
            update = {"update_id": next(self._update_ids), **payload}
            if not self.wanted(update):
                self.dropped_updates.append(update)  # Telegram never queues these
                return
            self._updates.append(update)
            self._changed.notify_all()

    # --- reading what the bot did -------------------------------------------------------

    def bot_messages(self, chat: FakeChat) -> list[Sent]:
        return [m for m in self.messages[chat.id] if m.from_bot]

    def find(self, chat: FakeChat, contains: str) -> list[Sent]:
        return [m for m in self.bot_messages(chat) if contains in m.text]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition"
    ) -> Any:
        """Wait until predicate() is truthy (re-checked on every API call); return it.

        The bot paces its messages like Telegram asks (20 a minute in a group, edits
        included), so a busy group may take most of a minute to see everything."""
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
        self, chat: FakeChat, contains: str, timeout: float = 60.0, after: int = 0
    ) -> Sent:
        """The first bot message in `chat` (with id above `after`) containing `contains`."""

        def found() -> Sent | None:
            for message in self.bot_messages(chat):
                if message.message_id > after and contains in message.text:
                    return message
            return None

        result: Sent = await self.wait_for(found, timeout, what=f"message with {contains!r}")
        return result

    def max_sends_per_window(self, chat: FakeChat) -> int:
        """The most messages the bot got into `chat` within any window of Telegram's group
        limit (a minute, or the shorter one this fake was started with)."""
        stamps = sorted(self.accepted_sends[chat.id])
        best = 0
        start = 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= self.group_window:
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
        if method != "getUpdates":
            self.calls.append((method, params))
        try:
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                # Telegram's answer to a method it does not have; an error like any other, so
                # a test that checks `errors` sees the bot calling what the fake cannot answer.
                raise ApiError(404, "Not Found: method not found")
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
