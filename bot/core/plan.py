"""The action plan: which spokes make the short plan, and the action each one gets.

Every rated spoke gets a plan entry (`/plan all`); the short plan is the weakest few. The
team can take another suggestion, set the channel, or write its own action; those choices
are carried to the plan of the next round.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from bot.core.ideas import find_duplicate
from bot.core.playbook import FALLBACK, Playbook
from bot.core.scoring import SpokeScore
from bot.domain import Choice, Criterion, Entry

SHORT_MAX = 5
SHORT_BELOW = 7.0


def short_ids(order: Sequence[SpokeScore], mean: float) -> set[int]:
    """The short plan: weakest first, at most five, only spokes under the team's mean or
    under 7 (the weakest one at least, so there is always something to do)."""
    weak = [s for s in order if s.overall is not None and (s.overall < mean or s.overall < 7)]
    return {s.touchpoint_id for s in (weak or list(order[:1]))[:SHORT_MAX]}


def corrected(norm: str, corrections: Mapping[str, str]) -> str | None:
    """The channel the team filed this touchpoint (or a near-identical one) under, if any:
    the same wording, or one a duplicate check would merge with it."""
    if norm in corrections:
        return corrections[norm]
    match = find_duplicate(norm, list(enumerate(corrections)))
    return None if match is None else list(corrections.values())[match]


def is_unsure(playbook: Playbook, text: str, choice: Choice) -> bool:
    """No channel for this item: the team chose none and the playbook is not sure."""
    return (
        choice.own_action is None
        and playbook.named(choice.channel) is None
        and playbook.channel_for(text).name == FALLBACK
    )


def action_for(
    playbook: Playbook,
    text: str,
    criterion: Criterion,
    locale: str,
    choice: Choice,
    taken: Collection[str] = (),
) -> tuple[str, int]:
    """The team's own words, or the chosen suggestion for the chosen or detected channel
    (general advice for the weakest criterion when the channel is unclear), skipping
    actions other items of the plan have already; with the suggestion's number."""
    if choice.own_action:
        return choice.own_action, choice.suggestion
    channel = playbook.named(choice.channel) or playbook.channel_for(text)
    offered = playbook.suggestions(channel, criterion, locale)
    for step in range(len(offered)):
        at = (choice.suggestion + step) % len(offered)
        if offered[at] not in taken:
            return offered[at], at
    at = choice.suggestion % len(offered)
    return offered[at], at


def build_plan(
    playbook: Playbook,
    order: Sequence[SpokeScore],
    texts: Mapping[int, str],
    locale: str,
    mean: float,
    choices: Mapping[int, Choice],
) -> list[Entry]:
    """Every rated spoke, weakest first, with its action (no two alike: a second item of
    the same channel and criterion takes the channel's next action); the short plan
    flagged."""
    short = short_ids(order, mean)
    entries = []
    taken: set[str] = set()
    for spoke in order:
        criterion = spoke.weakest or Criterion.SIMPLICITY
        choice = choices.get(spoke.touchpoint_id, Choice())
        text = texts[spoke.touchpoint_id]
        action, suggestion = action_for(playbook, text, criterion, locale, choice, taken)
        taken.add(action)
        entries.append(
            Entry(
                touchpoint_id=spoke.touchpoint_id,
                criterion=criterion,
                action=action,
                choice=replace(choice, suggestion=suggestion),
                short=spoke.touchpoint_id in short,
                score=spoke.overall,
                weakest_score=spoke.criteria[criterion].mean,
            )
        )
    return entries
