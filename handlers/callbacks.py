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
