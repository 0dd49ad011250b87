"""The action plan: which spokes make the short plan, and the action each one gets.

Every rated spoke gets a plan entry (`/plan all`); the short plan is the weakest few. The
team can take another suggestion, set the channel, or write its own action; those choices
are carried to the plan of the next round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.playbook import Playbook
from bot.core.scoring import SpokeScore
from bot.domain import Choice, Criterion, Entry

SHORT_MAX = 5
SHORT_BELOW = 7.0


def short_ids(order: Sequence[SpokeScore], mean: float) -> set[int]:
    """The short plan: weakest first, at most five, only spokes under the team's mean or
    under 7 (the weakest one at least, so there is always something to do)."""
    weak = [s for s in order if s.overall is not None and (s.overall < mean or s.overall < 7)]
    return {s.touchpoint_id for s in (weak or list(order[:1]))[:SHORT_MAX]}


def action_for(
    playbook: Playbook, text: str, criterion: Criterion, locale: str, choice: Choice
) -> str:
    """The team's own words, or the chosen suggestion for the chosen or detected channel."""
    if choice.own_action:
        return choice.own_action
    channel = playbook.named(choice.channel) or playbook.channel_for(text)
    offered = playbook.suggestions(channel, criterion, locale)
    return offered[choice.suggestion % len(offered)]


def build_plan(
    playbook: Playbook,
    order: Sequence[SpokeScore],
    texts: Mapping[int, str],
    locale: str,
    mean: float,
    choices: Mapping[int, Choice],
) -> list[Entry]:
    """Every rated spoke, weakest first, with its action; the short plan flagged."""
    short = short_ids(order, mean)
    entries = []
    for spoke in order:
        criterion = spoke.weakest or Criterion.SIMPLICITY
        choice = choices.get(spoke.touchpoint_id, Choice())
        entries.append(
            Entry(
                touchpoint_id=spoke.touchpoint_id,
                criterion=criterion,
                action=action_for(playbook, texts[spoke.touchpoint_id], criterion, locale, choice),
                choice=choice,
                short=spoke.touchpoint_id in short,
                score=spoke.overall,
                weakest_score=spoke.criteria[criterion].mean,
            )
        )
    return entries
