"""The improvement playbook: a touchpoint's channel type, read from its text, and actions.

The channel is read by a linear classifier trained on the labelled touchpoints in
tests/data/touchpoints (`python -m bot playbook train`; evaluated by `python -m bot playbook
eval`, see docs/playbook.md). Its features are the text's character n-grams, words, word pairs
and Snowball stems (Russian for Cyrillic words, English and Dutch for Latin ones), and which
channels the keyword rules of playbook.toml point to. The model lives in channel_model.json.gz
and is scored here in pure Python; when it is not confident, `classify` says None.

The keyword rules: among all matches the most specific wins: a keyword beats a context word,
a phrase beats a single word, a longer stem beats a shorter one, a word as written beats
another form of it, an earlier word beats a later one. See playbook.toml for the data.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources
from itertools import pairwise

import snowballstemmer

from bot.core.linear import LinearModel
from bot.domain import CRITERIA, Criterion

LANGUAGES = ("en", "ru", "nl")
FALLBACK = "fallback"
MODEL_FILE = "channel_model.json.gz"
# Bump when `Playbook.features` changes: the model's fingerprint includes it.
FEATURES_VERSION = 2
CHAR_NGRAMS = range(2, 6)

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-я]")
_STEMMERS = {lang: snowballstemmer.stemmer(lang) for lang in ("russian", "english", "dutch")}


class Mode(Enum):
    WORD = "word"
    PREFIX = "prefix"
    SUFFIX = "suffix"


def words(text: str) -> list[str]:
    """Lower-case words, ё folded into е, punctuation and hyphens as separators."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _WORD.findall(folded)


@cache
def stems(word: str) -> frozenset[str]:
    """The word's Snowball stems in the languages its script can be."""
    if _CYRILLIC.search(word):
        return frozenset({_STEMMERS["russian"].stemWord(word)})
    return frozenset(
        {word, _STEMMERS["english"].stemWord(word), _STEMMERS["dutch"].stemWord(word)}
    )


def readable(feature: str) -> bool:
    """Whether a feature of `Playbook.features` is more than a character n-gram: a word, a
    stem, a word pair or a keyword rule. A text the model knows none of these of gets no
    answer, whatever its n-grams say."""
    return not feature.startswith("c:")


@dataclass(frozen=True, slots=True)
class Keyword:
    """One word or phrase from the playbook, ready to compare."""

    tokens: tuple[str, ...]  # the words as written
    parts: tuple[frozenset[str], ...]  # per word: its stems (or the bare prefix/suffix)
    mode: Mode
    strong: bool  # a keyword, not a context word

    @classmethod
    def parse(cls, raw: str, *, strong: bool) -> Keyword:
        mode = Mode.WORD
        if raw.endswith("*"):
            mode = Mode.PREFIX
        elif raw.startswith("*"):
            mode = Mode.SUFFIX
        tokens = words(raw)
        parts: tuple[frozenset[str], ...]
        if mode is not Mode.WORD:
            if len(tokens) != 1:
                raise ValueError(f"playbook: a prefix or suffix is one word: {raw!r}")
            parts = (frozenset(tokens),)
        else:
            parts = tuple(stems(token) for token in tokens)
        return cls(tuple(tokens), parts, mode, strong)

    def find(self, text_words: Sequence[str]) -> tuple[int, int] | None:
        """Where this keyword first matches in `text_words` and how many letters matched
        (the longest shared stem, summed over a phrase's words), or None."""
        if self.mode is not Mode.WORD:
            (affix,) = self.parts[0]
            test = str.startswith if self.mode is Mode.PREFIX else str.endswith
            at = next((i for i, w in enumerate(text_words) if test(w, affix)), None)
            return None if at is None else (at, len(affix))
        n = len(self.parts)
        for start in range(len(text_words) - n + 1):
            shared = [stems(text_words[start + k]) & self.parts[k] for k in range(n)]
            if all(shared):
                return start, sum(max(map(len, common)) for common in shared)
        return None


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    labels: dict[str, str]
    keywords: tuple[Keyword, ...]
    actions: dict[Criterion, dict[str, str]]

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels["en"]

    def action(self, criterion: Criterion, locale: str) -> str:
        texts = self.actions[criterion]
        return texts.get(locale) or texts["en"]


@dataclass(frozen=True, slots=True)
class Playbook:
    channels: tuple[Channel, ...]

    def matches(self, text: str) -> list[tuple[tuple[int, int, int, int, int], Channel, bool]]:
        """Every keyword rule that fires on `text`: (its rank, channel, whether strong)."""
        text_words = words(text)
        # Quick noes: a keyword's first word (or its prefix, suffix) is nowhere in the text.
        every_stem = frozenset().union(*map(stems, text_words))
        heads = {w[:k] for w in text_words for k in range(1, len(w) + 1)}
        tails = {w[-k:] for w in text_words for k in range(1, len(w) + 1)}
        found_all = []
        for channel in self.channels:
            for keyword in channel.keywords:
                if keyword.mode is Mode.WORD:
                    if keyword.parts[0].isdisjoint(every_stem):
                        continue
                elif keyword.tokens[0] not in (heads if keyword.mode is Mode.PREFIX else tails):
                    continue
                found = keyword.find(text_words)
                if found is None:
                    continue
                at, length = found
                exact = tuple(text_words[at : at + len(keyword.tokens)]) == keyword.tokens
                rank = (int(keyword.strong), len(keyword.parts), length, int(exact), -at)
                found_all.append((rank, channel, keyword.strong))
        return found_all

    def keyword_channel(self, text: str) -> Channel | None:
        """The channel of the most specific keyword found in `text` (the old rules), if any."""
        found = self.matches(text)
        return max(found, key=lambda match: match[0])[1] if found else None

    def features(self, text: str) -> dict[str, float]:
        """What the classifier sees, for training and inference alike, each feature worth 1:
        the character 2–5-grams of each word (`c:`, the word padded with spaces), the words
        (`w:`), word pairs as written (`b:`) and as stems (`p:`, so "paid by card" and "paying
        by cards" share one), the words' other Snowball stems (`s:`), and the keyword rules:
        `kw:<channel>` when a keyword of the channel is found, `ctx:<channel>` for a context
        word, `rule:<channel>` for the rules' pick."""
        text_words = words(text)
        if not text_words:
            return {}
        found: set[str] = set()
        for word in text_words:
            padded = f" {word} "
            for n in CHAR_NGRAMS:
                found.update("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
        found.update("w:" + word for word in text_words)
        found.update(f"b:{a} {b}" for a, b in pairwise(text_words))
        # The shortest stem, the first in order among equally short ones (not whichever a
        # set yields first: that changes with the process's string hashing).
        stemmed = [min(stems(word), key=lambda s: (len(s), s)) for word in text_words]
        found.update(f"p:{a} {b}" for a, b in pairwise(stemmed))
        found.update("s:" + s for word in text_words for s in stems(word) if s != word)
        matches = self.matches(text)
        found.update(("kw:" if strong else "ctx:") + c.name for _rank, c, strong in matches)
        if matches:
            found.add("rule:" + max(matches, key=lambda match: match[0])[1].name)
        return dict.fromkeys(sorted(found), 1.0)

    def probabilities(self, text: str) -> dict[str, float]:
        """Each channel's probability for `text`, most likely first ({} when the model knows
        none of the text's features: empty, emoji, unseen letters; nor when it knows only
        character n-grams, not one word, stem or keyword: gibberish like "xqzv wjkp")."""
        model = load_model()
        features = self.features(text)
        if not any(readable(name) and name in model.index for name in features):
            return {}
        probabilities = model.probabilities(features)
        if probabilities is None:
            return {}
        ranked = sorted(zip(model.classes, probabilities, strict=True), key=lambda c: -c[1])
        return dict(ranked)

    def classify(self, text: str) -> str | None:
        """The channel id of `text`, or None when the model is not confident enough."""
        ranked = self.probabilities(text)
        if not ranked:
            return None
        name, probability = next(iter(ranked.items()))
        return name if probability >= load_model().threshold else None

    def channel_for(self, text: str) -> Channel:
        """The channel of `text`, or the fallback when the classifier is unsure."""
        return self.named(self.classify(text)) or self.channels[-1]

    def named(self, name: str | None) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)

    def action(self, text: str, criterion: Criterion, locale: str) -> str:
        return self.channel_for(text).action(criterion, locale)

    def suggestions(self, channel: Channel, weakest: Criterion, locale: str) -> list[str]:
        """What to offer one after the other: the channel's action for the weakest
        criterion, its actions for the other criteria, then the general ones."""
        order = [weakest, *(c for c in CRITERIA if c is not weakest)]
        offered = [channel.action(c, locale) for c in order]
        if channel.name != FALLBACK:
            offered += [self.channels[-1].action(c, locale) for c in order]
        return offered


@cache
def load_playbook() -> Playbook:
    """Read bot/core/playbook.toml (checked: every channel has names in every language and
    every criterion's action in every language)."""
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
        labels = {lang: entry["label"][lang] for lang in LANGUAGES}
        keywords = tuple(Keyword.parse(k, strong=True) for k in entry["keywords"]) + tuple(
            Keyword.parse(k, strong=False) for k in entry["context"]
        )
        channels.append(Channel(name, labels, keywords, actions))
    if channels[-1].name != FALLBACK:
        raise ValueError("playbook: the fallback channel must come last")
    return Playbook(tuple(channels))


@cache
def load_model() -> LinearModel:
    """The channel classifier in bot/core/channel_model.json.gz, read on first use."""
    return LinearModel.load(resources.files("bot.core").joinpath(MODEL_FILE).read_bytes())


def classify(text: str) -> str | None:
    """The channel id of a touchpoint's text, or None when the model is not confident (the
    top probability is under the model's threshold) or the text has nothing to read."""
    return load_playbook().classify(text)
