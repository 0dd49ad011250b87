"""Typed callback data: short prefixes, enum actions, ids that are checked on use."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class BoardOp(StrEnum):
    EXTEND = "x"
    FINISH = "f"
    CANCEL = "c"
    CANCEL_YES = "cy"
    CANCEL_NO = "cn"


class BoardAction(CallbackData, prefix="bd"):
    """A facilitator button on the brainstorm board."""

    op: BoardOp
    ws: int


class ReviewOp(StrEnum):
    SHORTLIST = "s"
    EDIT = "e"
    RATE = "r"
    PAGE = "p"
    TOGGLE = "t"


class ReviewAction(CallbackData, prefix="rv"):
    """After the bell: shortlist, edit, toggle a touchpoint, page, open the rating."""

    op: ReviewOp
    ws: int
    tp: int = 0
    page: int = 0


class RateOp(StrEnum):
    VALUE = "v"
    SKIP = "s"
    BACK = "b"
    CHANGE = "c"


class RateAction(CallbackData, prefix="rt"):
    """A tap in the private rating wizard: round, step and value."""

    op: RateOp
    r: int
    s: int
    v: int = 0


class RoundOp(StrEnum):
    EXTEND = "x"
    SHOW = "s"
    CLOSE = "c"


class RoundAction(CallbackData, prefix="rd"):
    """The facilitator's buttons on a round: close it now; when too few people rated,
    more time or the results anyway."""

    op: RoundOp
    r: int


class PlanOp(StrEnum):
    NEXT = "n"
    PICK = "p"
    SET = "s"
    BACK = "b"


class PlanAction(CallbackData, prefix="pl"):
    """A facilitator button under a plan item: another suggestion, pick or set the channel
    (its index in the playbook), back; `all` says whether the message shows every spoke."""

    op: PlanOp
    item: int
    ch: int = 0
    all: int = 0


class SettingsAction(CallbackData, prefix="st"):
    """A button of the /settings menu: `k` the setting ("" the main menu, "close"), `v` the
    value to set ("" opens the setting's choices). Values are checked like typed ones."""

    k: str
    v: str = ""
