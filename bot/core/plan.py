"""The action plan: which spokes make the short plan, and the action each one gets.

Every rated spoke gets a plan entry (`/plan all`); the short plan is the weakest few. The
team can take another suggestion, set the channel, or write its own action; those choices
are carried to the plan of the next round.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from bot.core.effect import Carried
from bot.core.ideas import find_duplicate
from bot.core.playbook import FALLBACK, Playbook
from bot.core.scoring import SpokeScore
from bot.domain import Choice, Criterion, Entry

SHORT_MAX = 5
SHORT_BELOW = 7.0


def is_weak(spoke: SpokeScore, mean: float) -> bool:
    """Under the short plan's line: under the team's mean or under 7."""
    return spoke.overall is not None and (spoke.overall < mean or spoke.overall < SHORT_BELOW)


def short_ids(order: Sequence[SpokeScore], mean: float, keep: Collection[int] = ()) -> set[int]:
    """The short plan: weakest first, at most five, only spokes under the team's mean or
    under 7 (the weakest one at least, so there is always something to do). The spokes in
    `keep` (unfinished items carried over) stay while they are weak, however many; the
    weakest others fill the places left."""
    weak = [s.touchpoint_id for s in order if is_weak(s, mean)]
    kept = [tp for tp in weak if tp in keep]
    rest = [tp for tp in weak if tp not in keep][: max(0, SHORT_MAX - len(kept))]
    chosen = set(kept) | set(rest)
    return chosen or {s.touchpoint_id for s in order[:1]}


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
    carried: Mapping[int, Carried] | None = None,
    round_number: int | None = None,
) -> list[Entry]:
    """Every rated spoke, weakest first, with its action (no two alike: a second item of
    the same channel and criterion takes the channel's next action); the short plan
    flagged. An unfinished item of the plan before (`carried`) keeps its action, owner,
    date and the round it was made in; it stays on the short plan while its spoke is weak
    and leaves it, marked recovered, once the spoke rose above the line. Other items are
    made in `round_number`."""
    carried = carried or {}
    short = short_ids(order, mean, keep=carried.keys())
    entries = []
    taken: set[str] = {c.action for c in carried.values()}
    for spoke in order:
        tp = spoke.touchpoint_id
        kept = carried.get(tp)
        if kept is not None:
            entries.append(
                Entry(
                    touchpoint_id=tp,
                    criterion=kept.criterion,
                    action=kept.action,
                    choice=kept.choice,
                    short=tp in short,
                    score=spoke.overall,
                    weakest_score=spoke.criteria[kept.criterion].mean,
                    owner_id=kept.owner_id,
                    due_date=kept.due_date,
                    made_round=kept.made_round,
                    recovered=tp not in short and not is_weak(spoke, mean),
                )
            )
            continue
        criterion = spoke.weakest or Criterion.SIMPLICITY
        choice = choices.get(tp, Choice())
        text = texts[tp]
        action, suggestion = action_for(playbook, text, criterion, locale, choice, taken)
        taken.add(action)
        entries.append(
            Entry(
                touchpoint_id=tp,
                criterion=criterion,
                action=action,
                choice=replace(choice, suggestion=suggestion),
                short=tp in short,
                score=spoke.overall,
                weakest_score=spoke.criteria[criterion].mean,
                made_round=round_number,
            )
        )
    return entries
