"""A chat's workshop settings: what each one may be, how a typed or tapped value is checked,
and how the stored values fall back to the config's. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.durations import DurationError, parse_duration
from bot.domain import CRITERIA, Criterion

MIN_PHASE_MINUTES = 1.0
MAX_WEIGHT = 5.0
# Words accepted for each criterion after "/settings weight".
CRITERION_WORDS: Mapping[str, Criterion] = {
    "simplicity": Criterion.SIMPLICITY,
    "s": Criterion.SIMPLICITY,
    "простота": Criterion.SIMPLICITY,
    "eenvoud": Criterion.SIMPLICITY,
    "convenience": Criterion.CONVENIENCE,
    "c": Criterion.CONVENIENCE,
    "удобство": Criterion.CONVENIENCE,
    "gemak": Criterion.CONVENIENCE,
    "speed": Criterion.SPEED,
    "r": Criterion.SPEED,
    "скорость": Criterion.SPEED,
    "snelheid": Criterion.SPEED,
}
KEYS = (
    "lang",
    "zone",
    "brainstorm",
    "rating",
    "weight",
    "customers",
    "raters",
    "capture",
    "spokes",
    "facilitate",
)


class SettingError(ValueError):
    """A value that cannot be used; `code` names the rule (one message per code)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Preferences:
    """Everything a chat may set, resolved (the chat's value, else the config's)."""

    locale: str
    timezone: str
    brainstorm_minutes: float
    rating_minutes: float
    min_raters: int
    max_touchpoints: int
    customer_weight: float
    capture: str  # "replies" or "all"
    anyone_can_start: bool
    weights: Mapping[Criterion, float] = field(
        default_factory=lambda: dict.fromkeys(CRITERIA, 1.0)
    )


@dataclass(frozen=True, slots=True)
class Change:
    """One checked setting: the field of `Preferences` it sets and the new value."""

    name: str
    value: object


def _number(raw: str) -> float:
    try:
        return float(raw.strip().replace(",", ".").rstrip("%").strip())
    except ValueError:
        raise SettingError("number") from None


def _minutes(raw: str) -> float:
    try:
        minutes = parse_duration(raw).total_seconds() / 60
    except DurationError:
        raise SettingError("duration") from None
    if minutes < MIN_PHASE_MINUTES:
        raise SettingError("duration")
    return minutes


def _whole(raw: str, low: int, high: int, code: str) -> int:
    value = _number(raw)
    if value != int(value) or not low <= value <= high:
        raise SettingError(code)
    return int(value)


def check(key: str, raw: str, locales: tuple[str, ...]) -> Change:
    """The change `/settings key value` (or a menu button) asks for; SettingError if the
    key is unknown or the value breaks its rule."""
    key, raw = key.strip().lower(), raw.strip()
    if key == "lang":
        if raw.lower() not in locales:
            raise SettingError("lang")
        return Change("locale", raw.lower())
    if key == "zone":
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError("zone") from None
        return Change("timezone", raw)
    if key in ("brainstorm", "rating"):
        return Change(f"{key}_minutes", _minutes(raw))
    if key == "weight":
        word, _, number = raw.partition(" ")
        criterion = CRITERION_WORDS.get(word.lower())
        if criterion is None:
            raise SettingError("criterion")
        weight = _number(number)
        if not 0 <= weight <= MAX_WEIGHT:
            raise SettingError("weight")
        return Change(f"weight_{criterion.value}", weight)
    if key == "customers":
        percent = _number(raw)
        if not 0 <= percent <= 100:
            raise SettingError("percent")
        return Change("customer_weight", round(percent / 100, 4))
    if key == "raters":
        return Change("min_raters", _whole(raw, 1, 100, "raters"))
    if key == "spokes":
        return Change("max_touchpoints", _whole(raw, 3, 30, "spokes"))
    if key == "capture":
        if raw.lower() not in ("replies", "all"):
            raise SettingError("capture")
        return Change("capture", raw.lower())
    if key == "facilitate":
        if raw.lower() not in ("admins", "anyone"):
            raise SettingError("facilitate")
        return Change("anyone_can_start", raw.lower() == "anyone")
    raise SettingError("key")


def _fits(current: object, value: object) -> bool:
    """Whether a stored value has the type of the setting it is for."""
    if isinstance(current, bool) or isinstance(value, bool):
        return isinstance(current, bool) and isinstance(value, bool)
    if isinstance(current, int | float):
        return isinstance(value, int | float) and (
            isinstance(current, float) or float(value).is_integer()
        )
    return type(value) is type(current)


def resolve(stored: Mapping[str, object], defaults: Preferences) -> Preferences:
    """The defaults with every stored value of the right type laid over them."""
    values: dict[str, Any] = {f.name: getattr(defaults, f.name) for f in fields(Preferences)}
    weights = dict(defaults.weights)
    for name, value in stored.items():
        if name.startswith("weight_") and isinstance(value, int | float):
            try:
                weights[Criterion(name.removeprefix("weight_"))] = float(value)
            except ValueError:
                continue
        elif name in values and name != "weights" and _fits(values[name], value):
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = type(values[name])(value)
            values[name] = value
    if sum(weights.values()) <= 0:  # every weight zero: equal weights rather than no score
        weights = dict.fromkeys(CRITERIA, 1.0)
    values["weights"] = weights
    return Preferences(**values)
