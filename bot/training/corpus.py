"""What the channel classifier learns from.

The labelled touchpoints: one TSV per business in tests/data/touchpoints (lang, channel, text;
see GUIDE.md there), plus the older tests/data/channels.tsv as the business "mixed". And
background knowledge, as short extra lines: each keyword, name and action of a channel in
playbook.toml ("playbook") and the phrases describing each channel in GUIDE.md ("guide").
"mixed", "playbook" and "guide" are always trained on and never tested on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.core.playbook import FALLBACK, FEATURES_VERSION, LANGUAGES, Playbook
from bot.domain import CRITERIA

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "touchpoints"
EXTRA = ROOT / "tests" / "data" / "channels.tsv"
MIXED = "mixed"  # channels.tsv
PLAYBOOK = "playbook"  # playbook.toml's keywords, names and actions
GUIDE = "guide"  # GUIDE.md's description of each channel
BACKGROUND = frozenset({MIXED, PLAYBOOK, GUIDE})  # in every training set, never tested
_GUIDE_LINE = re.compile(r"- `(\w+)`: (.+)")
_GUIDE_SPLIT = re.compile(r"[,;:()/]| and ")
# The guide's worked examples: "text" (a translation) is `channel`.
_GUIDE_EXAMPLE = re.compile(r'(?:"([^"]+)"|«([^»]+)»)\s*(?:\([^)]*\)\s*)?is\s+`(\w+)`')


@dataclass(frozen=True, slots=True)
class Choice:
    """The settings chosen per training set, by business-grouped cross-validation on it."""

    c: float = 1.0  # the linear SVM's inverse L2 strength
    background: float = 1.0  # the weight of a playbook.toml or GUIDE.md line (others: 1)
    # A feature is kept when the background lines have it or this many businesses do (a
    # feature of one business only fits that business's lines and tells nothing of others).
    businesses: int = 1


# Tried in this order, the first of equally good ones is kept. One: the choices tried
# (docs/playbook.md, "How the settings were chosen") did not carry over to left-out businesses.
GRID = (Choice(),)


@dataclass(frozen=True, slots=True)
class Settings:
    grid: tuple[Choice, ...] = GRID  # what the cross-validation chooses from
    min_df: int = 1  # a feature must occur in this many training texts
    prune: float = 0.02  # weights smaller than this (in absolute value) are dropped
    folds: int = 5  # business-grouped folds inside the training set, for the threshold
    precision: float = 0.95  # the threshold aims at this precision on committed answers…
    max_abstain: float = 0.15  # …while abstaining on at most this share
    seed: int = 0


class CorpusError(ValueError):
    """A corpus line that cannot be read."""


@dataclass(frozen=True, slots=True)
class Example:
    business: str
    lang: str
    channel: str
    text: str


def read_file(path: Path, business: str, channels: Iterable[str]) -> list[Example]:
    known = set(channels)
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        where = f"{path.name}:{number}"
        if len(parts) != 3:
            raise CorpusError(f"{where}: expected lang, channel, text; got {len(parts)} columns")
        lang, channel, text = (part.strip() for part in parts)
        if lang not in LANGUAGES:
            raise CorpusError(f"{where}: unknown language {lang!r}")
        if channel not in known:
            raise CorpusError(f"{where}: unknown channel {channel!r}")
        if not text:
            raise CorpusError(f"{where}: empty text")
        examples.append(Example(business, lang, channel, text))
    return examples


def read_corpus(
    playbook: Playbook, directory: Path = CORPUS, extra: Path | None = EXTRA
) -> list[Example]:
    """Every labelled line, business by business in name order, "mixed" last."""
    channels = [c.name for c in playbook.channels if c.name != FALLBACK]
    examples = []
    for path in sorted(directory.glob("*.tsv")):
        examples += read_file(path, path.stem, channels)
    if extra is not None and extra.exists():
        examples += read_file(extra, MIXED, channels)
    return examples


def fingerprint(
    examples: Iterable[Example], playbook: Playbook, settings: Mapping[str, Any]
) -> str:
    """What the model is a function of: the examples, the playbook's keyword rules, the
    feature version and the training settings."""
    rules = [
        [c.name, [[list(k.tokens), k.mode.value, k.strong] for k in c.keywords]]
        for c in playbook.channels
    ]
    payload = {
        "examples": [asdict(e) for e in examples],
        "rules": rules,
        "features": FEATURES_VERSION,
        "settings": dict(settings),
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def background(playbook: Playbook, guide: Path | None = CORPUS / "GUIDE.md") -> list[Example]:
    """What the playbook and the labelling guide say about each channel, one phrase a line:
    every keyword (not the context words), the channel's names and its actions; the
    guide's description of each channel, cut into phrases, and its worked examples."""
    examples = []
    for channel in playbook.channels:
        if channel.name == FALLBACK:
            continue
        texts = [" ".join(k.tokens) for k in channel.keywords if k.strong]
        texts += [channel.labels[lang] for lang in LANGUAGES]
        texts += [channel.actions[c][lang] for c in CRITERIA for lang in LANGUAGES]
        examples += [Example(PLAYBOOK, "", channel.name, text) for text in texts]
    names = {c.name for c in playbook.channels} - {FALLBACK}
    if guide is not None and guide.exists():
        text = guide.read_text(encoding="utf-8")
        for example in _GUIDE_EXAMPLE.finditer(text):
            if example[3] in names:
                examples.append(Example(GUIDE, "", example[3], example[1] or example[2]))
        for line in text.splitlines():
            described = _GUIDE_LINE.match(line)
            if described is None or described[1] not in names:
                continue
            for phrase in _GUIDE_SPLIT.split(described[2]):
                phrase = phrase.strip(" .\"'«»*")
                if phrase:
                    examples.append(Example(GUIDE, "", described[1], phrase))
    return examples
