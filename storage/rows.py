"""Row mappers: every SQLite row becomes a frozen record here, and only here."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain import Criterion, JobKind, Phase, RoundStatus, Stage
from storage.db import from_iso
from storage.models import (
    Chat,
    Job,
    PlanItem,
    Rater,
    Rating,
    Round,
    RoundItem,
    Schedule,
    Touchpoint,
    User,
    Workshop,
)

Row = aiosqlite.Row


def moment(value: Any) -> datetime:
    """A timestamp column that is never NULL."""
    found = from_iso(value)
    assert found is not None
    return found


def chat(row: Row) -> Chat:
    return Chat(
        id=row["id"],
        title=row["title"],
        locale=row["locale"],
        timezone=row["timezone"],
        settings=json.loads(row["settings"]),
        migrated_to=row["migrated_to"],
        paused=bool(row["paused"]),
    )


def user(row: Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        # The language chosen with /settings in private wins over Telegram's.
        language_code=row["chosen_locale"] or row["language_code"],
        started_bot=bool(row["started_bot"]),
        blocked_bot=bool(row["blocked_bot"]),
    )


def workshop(row: Row) -> Workshop:
    return Workshop(
        id=row["id"],
        chat_id=row["chat_id"],
        topic=row["topic"],
        facilitator_id=row["facilitator_id"],
        locale=row["locale"],
        phase=Phase(row["phase"]),
        idea_token=row["idea_token"],
        board_message_id=row["board_message_id"],
        started_at=moment(row["started_at"]),
        deadline=from_iso(row["deadline"]),
        ended_at=from_iso(row["ended_at"]),
        round_seconds=row["round_seconds"],
        customer_token=row["customer_token"],
        list_posted=bool(row["list_posted"]),
        thread_id=row["thread_id"],
        list_parts=row["list_parts"],
        board_pinned=bool(row["board_pinned"]),
    )


def touchpoint(row: Row) -> Touchpoint:
    """A row of `TOUCHPOINT_SELECT` (with its votes and contributors)."""
    who = row["who"] or ""
    return Touchpoint(
        id=row["id"],
        workshop_id=row["workshop_id"],
        number=row["position"],
        text=row["text"],
        norm=row["norm"],
        stage=Stage(row["stage"]),
        author_id=row["author_id"],
        shortlisted=bool(row["shortlisted"]),
        votes=row["votes"],
        contributors=tuple(sorted(int(part) for part in who.split(",") if part)),
        customers=row["customers"],
    )


def job(row: Row) -> Job:
    return Job(
        key=row["key"],
        kind=JobKind(row["kind"]),
        ref_id=row["ref_id"],
        run_at=moment(row["run_at"]),
        attempts=row["attempts"],
        steps=frozenset(json.loads(row["steps"])),
    )


def round_(row: Row) -> Round:
    return Round(
        id=row["id"],
        workshop_id=row["workshop_id"],
        number=row["number"],
        token=row["token"],
        status=RoundStatus(row["status"]),
        opened_at=moment(row["opened_at"]),
        deadline=moment(row["deadline"]),
        closed_at=from_iso(row["closed_at"]),
        message_id=row["message_id"],
        results_shown=bool(row["results_shown"]),
        members=row["members"],
        close_offer_message_id=row["close_offer_message_id"],
        results_message_id=row["results_message_id"],
        report_message_id=row["report_message_id"],
        published=bool(row["published"]),
    )


def round_item(row: Row) -> RoundItem:
    return RoundItem(
        position=row["position"],
        touchpoint_id=row["touchpoint_id"],
        number=row["number"],
        text=row["text"],
        stage=Stage(row["stage"]),
    )


def rater(row: Row) -> Rater:
    return Rater(
        round_id=row["round_id"],
        user_id=row["user_id"],
        wizard_message_id=row["wizard_message_id"],
        started_at=moment(row["started_at"]),
        finished_at=from_iso(row["finished_at"]),
        source=row["source"],
    )


def rating(row: Row) -> Rating:
    return Rating(
        round_id=row["round_id"],
        touchpoint_id=row["touchpoint_id"],
        rater_id=row["rater_id"],
        criterion=Criterion(row["criterion"]),
        value=row["value"],
        source=row["source"],
    )


def plan_item(row: Row) -> PlanItem:
    return PlanItem(
        id=row["id"],
        workshop_id=row["workshop_id"],
        round_id=row["round_id"],
        touchpoint_id=row["touchpoint_id"],
        position=row["position"],
        criterion=Criterion(row["criterion"]),
        action=row["action"],
        number=row["number"],
        owner_id=row["owner_id"],
        due_date=row["due_date"],
        done_at=from_iso(row["done_at"]),
        short=bool(row["short"]),
        channel=row["channel"],
        suggestion=row["suggestion"],
        own_action=bool(row["own_action"]),
        score=row["score"],
        weakest_score=row["weakest_score"],
        made_round=row["made_round"],
        recovered=bool(row["recovered"]),
    )


def schedule(row: Row) -> Schedule:
    return Schedule(
        chat_id=row["chat_id"],
        spec=row["spec"],
        at_time=row["at_time"],
        start_date=row["start_date"],
        last_fire=from_iso(row["last_fire"]),
        created_at=moment(row["created_at"]),
    )
