"""Ideas: one touchpoint per line, stage tags, normalisation and duplicate detection."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain import Stage

MIN_LENGTH = 2
MAX_LENGTH = 200
MAX_TOUCHPOINTS = 150
# Chosen on the labelled pairs in tests/test_ideas.py: every pair that names the same
# touchpoint scores at least 86 and every pair that names different ones at most 83.
DUPLICATE_THRESHOLD = 85.0

_STAGE_TAGS = {
    "before": Stage.BEFORE,
    "до": Stage.BEFORE,
    "voor": Stage.BEFORE,
    "vooraf": Stage.BEFORE,
    "during": Stage.DURING,
    "во_время": Stage.DURING,
    "вовремя": Stage.DURING,
    "tijdens": Stage.DURING,
    "after": Stage.AFTER,
    "после": Stage.AFTER,
    "na": Stage.AFTER,
    "achteraf": Stage.AFTER,
}
_NUMBER = re.compile(r"\d+")
_TAG = re.compile(r"(?<!\w)#([\w]+)", re.UNICODE)
# A bullet or a number before the text; "*" and numbers only when a space follows, so that
# "*bold*" and "1.5 hours on hold" keep their first characters.
_BULLET = re.compile(
    r"^\s*(?:[-•·–—▪►✔✅☐➤>]+\s*|\*+\s+|\(?\d{1,3}[.)]\s+|\(?[a-zа-я][)]\s+)", re.I
)
_ZERO_WIDTH_JOINER = "\u200d"  # holds emoji such as 👩‍💻 together: kept
# Words that qualify a channel without making it a different touchpoint.
_FILLER = frozenset(
    {
        "a",
        "an",
        "the",
        "on",
        "in",
        "at",
        "of",
        "to",
        "for",
        "our",
        "my",
        "via",
        "by",
        "with",
        "online",
        "в",
        "во",
        "на",
        "с",
        "со",
        "по",
        "к",
        "о",
        "об",
        "у",
        "и",
        "для",
        "через",
        "наш",
        "наша",
        "наше",
        "наши",
        "нашем",
        "нашей",
        "онлайн",
        "de",
        "het",
        "een",
        "op",
        "van",
        "onze",
        "ons",
    }
)


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One line of a message: the touchpoint text, its stage, or why it was refused."""

    text: str
    stage: Stage
    problem: str | None = None  # "too_long", "too_short" or "no_words"


def visible(text: str) -> str:
    """Without control and format characters (NUL, bell, zero-width spaces, right-to-left
    overrides that would turn the rest of a board line around); emoji joiners stay."""
    return "".join(
        ch
        for ch in text
        if ch == _ZERO_WIDTH_JOINER or unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\n"
    )


def parse_lines(text: str) -> list[ParsedLine]:
    """Every non-empty line is one touchpoint; bullets and numbering stripped, tags read."""
    parsed: list[ParsedLine] = []
    for raw in visible(text).splitlines():
        stage = Stage.NONE
        for tag in _TAG.findall(raw):
            found = _STAGE_TAGS.get(tag.lower())
            if found is not None:
                stage = found

        def drop_stage_tag(match: re.Match[str]) -> str:
            return "" if match.group(1).lower() in _STAGE_TAGS else match.group(0)

        line = _TAG.sub(drop_stage_tag, raw)
        line = _BULLET.sub("", line, count=1)
        line = " ".join(line.split()).strip(" ;,")
        if not line:
            continue
        problem = None
        if len(line) > MAX_LENGTH:
            problem = "too_long"
        elif not any(ch.isalnum() for ch in line):
            problem = "no_words"  # emoji or punctuation only
        elif len(line) < MIN_LENGTH:
            problem = "too_short"
        parsed.append(ParsedLine(line, stage, problem))
    return parsed


def normalise(text: str) -> str:
    """Case, punctuation, emoji, spacing and ё/е folded away; filler words dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    kept = "".join(ch if ch.isalnum() else " " for ch in folded)
    words = kept.split()
    meaningful = [word for word in words if word not in _FILLER]
    return " ".join(meaningful or words)


def similarity(a: str, b: str) -> float:
    """0-100: how alike two normalised touchpoints are (spelling, word order, spacing)."""
    if a == b:
        return 100.0
    if _NUMBER.findall(a) != _NUMBER.findall(b):
        # "Phone after 18:00" and "Phone after 19:00" differ however alike they look.
        return 0.0
    words_a, words_b = set(a.split()), set(b.split())
    if words_a < words_b or words_b < words_a:
        # "Instagram" and "Instagram DM" are two touchpoints: a whole extra word counts.
        return 0.0
    return max(
        fuzz.ratio(a, b),
        fuzz.token_sort_ratio(a, b),
        fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")),
    )


def find_duplicate(
    norm: str, existing: Sequence[tuple[int, str]], threshold: float = DUPLICATE_THRESHOLD
) -> int | None:
    """The id of the existing touchpoint this one repeats, or None.

    rapidfuzz first picks, in C, the few touchpoints one of `similarity`'s three measures
    puts at the threshold or above (a touchpoint below it on all three cannot reach it);
    only those get the full comparison, so a long list costs little more than a short one.
    """
    if not existing:
        return None
    norms = [other for _id, other in existing]
    squeezed = norm.replace(" ", "")
    candidates: set[int] = set()
    for query, choices, scorer in (
        (norm, norms, fuzz.ratio),
        (norm, norms, fuzz.token_sort_ratio),
        (squeezed, [other.replace(" ", "") for other in norms], fuzz.ratio),
    ):
        for _match, _score, index in process.extract(
            query, choices, scorer=scorer, score_cutoff=threshold, limit=None
        ):
            candidates.add(index)
    best_id: int | None = None
    best = threshold
    for index in sorted(candidates):
        touchpoint_id, other = existing[index]
        score = similarity(norm, other)
        if score >= best:
            best_id, best = touchpoint_id, score
            if score == 100.0:
                break
    return best_id
