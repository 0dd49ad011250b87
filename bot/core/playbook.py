"""The improvement playbook: a channel type detected from a touchpoint's text, and an action."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.core.ideas import normalise
from bot.domain import CRITERIA, Criterion

LANGUAGES = ("en", "ru", "nl")
FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    keywords: tuple[str, ...]
    actions: dict[Criterion, dict[str, str]]


@dataclass(frozen=True, slots=True)
class Playbook:
    channels: tuple[Channel, ...]

    def channel_for(self, text: str) -> Channel:
        """The first channel (in playbook order) one of whose keywords starts a word of `text`."""
        words = normalise(text).split()
        folded = " ".join(words)
        for channel in self.channels:
            for keyword in channel.keywords:
                if " " in keyword:
                    if keyword in folded:
                        return channel
                elif any(word.startswith(keyword) for word in words):
                    return channel
        return self.channels[-1]

    def action(self, text: str, criterion: Criterion, locale: str) -> str:
        channel = self.channel_for(text)
        texts = channel.actions[criterion]
        return texts.get(locale) or texts["en"]


@cache
def load_playbook() -> Playbook:
    """Read bot/core/playbook.toml (checked: every channel has every criterion and language)."""
    raw = tomllib.loads(
        resources.files("bot.core").joinpath("playbook.toml").read_text(encoding="utf-8")
    )
    channels = []
    for name in raw["order"]:
        entry = raw[name]
        actions: dict[Criterion, dict[str, str]] = {}
        for criterion in CRITERIA:
            texts = entry[criterion.value]
            missing = [lang for lang in LANGUAGES if not texts.get(lang)]
            if missing:
                raise ValueError(f"playbook: {name}.{criterion.value} lacks {missing}")
            actions[criterion] = {lang: texts[lang] for lang in LANGUAGES}
        keywords = tuple(
            normalise(k) if " " in k else k.casefold().replace("ё", "е") for k in entry["keywords"]
        )
        channels.append(Channel(name, keywords, actions))
    if channels[-1].name != FALLBACK:
        raise ValueError("playbook: the fallback channel must come last")
    return Playbook(tuple(channels))
