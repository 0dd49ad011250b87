"""`python -m bot demo [--lang en|ru|nl] [--out demo]`: a whole workshop without a token.

A team of five plays the script in `bot.demo.script` through the real dispatcher, services
and database against the in-process Telegram: brainstorm, merge, private rating, results and
plan, owners and dates, a second round, the trend and the exports. The group's transcript is
printed (and kept in `transcript.txt`); the pictures and files land in the output folder.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiogram.methods import SendDocument, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, Chat, Message, User

from bot.config import SUPPORTED_LOCALES, Config
from bot.core.text import plain
from bot.demo.inprocess import Harness, group_chat, make_harness, make_user, private_chat
from bot.demo.script import (
    ROUND_1,
    ROUND_2,
    SCRIPTS,
    SPLIT_CRITERION,
    SPLIT_SPOKE,
    SPLIT_VALUES,
    Script,
)
from bot.domain import CRITERIA, JobKind
from bot.views.callbacks import RateAction, RateOp
from storage.db import clock_ahead, utcnow
from storage.models import Round, Workshop

LANGUAGES = ("en", "ru", "nl")
SPLIT = (SPLIT_SPOKE, SPLIT_CRITERION, SPLIT_VALUES)


def scatter(person: int, item: int, criterion: int) -> int:
    """-1, 0 or +1: five people never agree exactly."""
    return (person * 7 + item * 3 + criterion) % 3 - 1


class Demo:
    """Plays one script and keeps what the group saw."""

    def __init__(
        self, h: Harness, script: Script, lang: str, out: Path, echo: Callable[[str], None]
    ):
        self.h = h
        self.script = script
        self.out = out
        self.echo = echo
        self.lines: list[str] = []
        self.files: list[Path] = []
        self.seen = 0
        self.chat: Chat = group_chat(-100777, script.chat_title)
        self.team: list[User] = [
            make_user(name, lang).model_copy(update={"username": username})
            for name, username in zip(script.team, script.usernames, strict=True)
        ]
        self.lead = self.team[0]
        h.session.admins[self.chat.id] = {self.lead.id}
        for user in self.team[1:]:
            h.session.members[(self.chat.id, user.id)] = "member"

    # --- the transcript ----------------------------------------------------------------------

    def say_line(self, line: str) -> None:
        self.lines.append(line)
        self.echo(line)

    async def say(self, user: User, text: str, *, pictures: Sequence[str] = ()) -> None:
        self.say_line(f"\n👤 {user.first_name}: " + text.replace("\n", "\n   "))
        await self.h.say(user, self.chat, text)
        await self.settle(pictures)

    async def settle(self, pictures: Sequence[str] = ()) -> None:
        """Let background edits run, then print what reached the group and keep the files."""
        for _ in range(3):
            await asyncio.sleep(0)
        names = list(pictures)
        for method in self.h.session.requests[self.seen :]:
            if getattr(method, "chat_id", None) != self.chat.id:
                continue
            if isinstance(method, SendMessage):
                self.say_line("🤖 " + plain(method.text).replace("\n", "\n   "))
            elif isinstance(method, SendPhoto):
                # The bot's own name for the picture, the one /export gives it too.
                name = getattr(method.photo, "filename", None) or (
                    names.pop(0) if names else f"picture-{len(self.files) + 1}.png"
                )
                self.keep(name, method.photo)
                self.say_line(f"🤖 [{name}] " + plain(method.caption or "").replace("\n", "\n   "))
            elif isinstance(method, SendDocument):
                file = method.document
                name = getattr(file, "filename", None) or f"file-{len(self.files) + 1}"
                self.keep(name, file)
                self.say_line(f"🤖 [{name}]")
        self.seen = len(self.h.session.requests)

    def keep(self, name: str, file: object) -> None:
        if isinstance(file, BufferedInputFile):
            path = self.out / name
            path.write_bytes(file.data)
            if path not in self.files:  # the wheel is posted, then exported: one file
                self.files.append(path)

    # --- the workshop ------------------------------------------------------------------------

    async def brainstorm(self) -> Workshop:
        await self.say(self.lead, f"/brainstorm 20m {self.script.topic}")
        for user, ideas in zip(self.team, self.script.ideas, strict=True):
            await self.say(user, f"/idea {ideas}")
        await self.say(self.lead, "/finish")
        ws = await self.h.ctx.store.workshops.active(self.chat.id)
        assert ws is not None
        live = await self.h.ctx.store.touchpoints.live(ws.id)
        keep, gone = (
            next(tp.number for tp in live if tp.text == text) for text in self.script.merge
        )
        await self.say(self.lead, f"/merge {keep} {gone}")
        return ws

    async def open_round(self, ws: Workshop) -> Round:
        await self.say(self.lead, "/rate 1d")
        return (await self.h.ctx.store.rounds.for_workshop(ws.id))[-1]

    async def rate(
        self,
        rnd: Round,
        scores: Sequence[tuple[int, int, int]],
        n: int,
        split: tuple[int, int, Sequence[int]] | None = None,
    ) -> Round:
        """Everyone rates `rnd` around `scores`; `split`: (spoke, criterion, each person's
        answer) for the spoke the team does not agree on."""
        items = await self.h.ctx.store.rounds.items(rnd.id)
        if len(items) != len(scores):
            raise RuntimeError(
                f"the script scores {len(scores)} spokes, the round has {len(items)}"
            )
        # The script scores the touchpoints in list order; the wizard asks in round order.
        by_number = sorted(items, key=lambda i: i.number)
        row = {i.touchpoint_id: scores[by_number.index(i)] for i in items}
        apart = by_number[split[0]].touchpoint_id if split else None
        for person, user in enumerate(self.team):
            taps = len(items) * len(CRITERIA)
            self.say_line("\n🔒 " + self.script.rates.format(name=user.first_name, taps=taps))
            await self.h.say(user, private_chat(user), f"/start r_{rnd.token}")
            rater = await self.h.ctx.store.rounds.rater(rnd.id, user.id)
            assert rater is not None and rater.wizard_message_id is not None
            wizard = Message(
                message_id=rater.wizard_message_id,
                date=datetime.now(UTC),
                chat=private_chat(user),
            )
            for item, spoke in enumerate(sorted(items, key=lambda i: i.position)):
                for criterion in range(len(CRITERIA)):
                    base = row[spoke.touchpoint_id][criterion]
                    value = max(0, min(10, base + scatter(person, item, criterion)))
                    if split and spoke.touchpoint_id == apart and criterion == split[1]:
                        value = split[2][person]
                    data = RateAction(op=RateOp.VALUE, r=rnd.id, s=item * 3 + criterion, v=value)
                    await self.h.click(user, wizard, data.pack())
            await self.settle()
        return rnd

    async def follow_up(self, ws: Workshop) -> None:
        """The weakest spoke gets an owner and a date; one spoke gets the team's own action;
        the phone line gets an owner."""
        plan = await self.h.ctx.store.plans.current(ws.id)
        weakest = min(plan, key=lambda i: i.score or 0.0)
        live = await self.h.ctx.store.touchpoints.live(ws.id)
        text, action = self.script.own_action
        own = next(tp.number for tp in live if tp.text == text)
        await self.say(self.lead, f"/assign {weakest.number} @{self.team[1].username}")
        await self.say(self.lead, f"/due {weakest.number} 2w")
        await self.say(self.lead, f"/action {own} {action}")
        await self.say(self.lead, f"/assign {own} @{self.team[2].username}")
        await self.say(self.lead, f"/due {own} {self.script.month}")
        phone = next(tp.number for tp in live if tp.text == self.script.merge[0])
        await self.say(self.lead, f"/assign {phone} @{self.team[3].username}")
        await self.say(self.lead, "/schedule monthly 10:00")

    async def get_done(self, ws: Workshop) -> None:
        """Before round 2: the phone line's action is done (its spoke will move) and the
        reception's (it will hardly move); the weakest item is still open."""
        live = await self.h.ctx.store.touchpoints.live(ws.id)
        for text in (self.script.merge[0], self.script.stalled):
            number = next(tp.number for tp in live if tp.text == text)
            await self.say(self.lead, f"/done {number}")

    async def play(self) -> None:
        with clock_ahead() as move_to:
            ws = await self.brainstorm()
            await self.rate(await self.open_round(ws), ROUND_1, 1, SPLIT)
            await self.follow_up(ws)
            self.say_line("\n⏩ " + self.script.fortnight)
            move_to(utcnow() + timedelta(days=14))
            await self.get_done(ws)
            self.say_line("\n⏩ " + self.script.later)
            # The clock moves on to the schedule's fire; what fell due by then runs, in order
            # (the day's due reminder, then the round), as the timer would have run it.
            (fire,) = [
                job
                for job in await self.h.ctx.store.jobs.pending()
                if job.kind is JobKind.SCHEDULED_ROUND
            ]
            move_to(fire.run_at)
            await self.h.run_due_jobs()
            await self.settle()
            rounds = await self.h.ctx.store.rounds.for_workshop(ws.id)
            if len(rounds) != 2:
                raise RuntimeError("the schedule did not open round 2")
            await self.rate(rounds[-1], ROUND_2, 2)
            await self.say(self.lead, "/history")
            await self.say(self.lead, "/export")


def demo_config(lang: str) -> Config:
    return Config.model_validate(
        {
            "telegram": {"token": "42:DEMO"},
            "workshop": {"board_edit_seconds": 0},
            "locale": {
                "default": lang if lang in SUPPORTED_LOCALES else "en",
                "timezone": "Europe/Amsterdam",
            },
            "render": {"workers": 0},
        }
    )


async def play(lang: str, out: Path, echo: Callable[[str], None] = print) -> Demo:
    """Play the script for `lang`; the files go to `out` (which must exist)."""
    with tempfile.TemporaryDirectory() as folder:
        h = await make_harness(demo_config(lang), str(Path(folder) / "demo.sqlite3"))
        demo = Demo(h, SCRIPTS[lang], lang, out, echo)
        try:
            await demo.play()
        finally:
            await h.dp.emit_shutdown(bot=h.bot, **h.dp.workflow_data)
            await h.ctx.scheduler.shutdown()
            await h.ctx.store.close()
    transcript = out / "transcript.txt"
    transcript.write_text("\n".join(demo.lines).strip() + "\n", encoding="utf-8")
    demo.files.append(transcript)
    return demo


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="touchwheel demo", description=__doc__.split("\n")[0])
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="the team's language")
    parser.add_argument("--out", default="demo", help="where to write pictures and files")
    parser.add_argument(
        "--pictures",
        metavar="DIR",
        help="also write the last wheel and the history chart to DIR as demo-wheel.png and "
        "demo-history.png (how the README's pictures in docs/ are made)",
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    demo = asyncio.run(play(args.lang, out))
    if args.pictures:
        demo.files += docs_pictures(demo.files, Path(args.pictures))
    print("\nWritten:")
    for path in demo.files:
        print(f"  {path}")
    return 0


def docs_pictures(files: Sequence[Path], folder: Path) -> list[Path]:
    """The last round's wheel and the history chart, copied under the README's names."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in ("wheel", "history"):
        made = sorted(
            (p for p in files if p.name.endswith(f"-{kind}.png")),
            key=lambda p: int(p.name.split("-")[2]),  # touchwheel-round-N-…
        )
        if made:
            target = folder / f"demo-{kind}.png"
            target.write_bytes(made[-1].read_bytes())
            written.append(target)
    return written
