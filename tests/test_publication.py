"""Publishing results is a stored job in marked steps: a crash anywhere resumes it once."""

from __future__ import annotations

from aiogram.methods import SendMessage, SendPhoto

from bot.domain import JobKind, RoundStatus
from bot.scheduler import job_key
from storage.models import Round
from tests.harness import Harness
from tests.test_rating import Team
from tests.test_results import VALUES


async def rated_round(harness: Harness) -> tuple[Team, Round]:
    """Alice, Bob and Carol rated everything but Carol's last answer; the round is open."""
    team = Team(harness)
    _, rnd = await team.open_round()
    for user in (team.alice, team.bob, team.carol):
        values = VALUES[user.first_name.lower()]
        if user is team.carol:
            values = values[:-1]
        await team.rate_everything(user, rnd, values)
    return team, rnd


def reports(harness: Harness, chat_id: int) -> tuple[int, int]:
    """How many wheels and ranking-and-plan messages the group got."""
    sent = harness.session.sent(chat_id)
    photos = sum(isinstance(m.method, SendPhoto) for m in sent)
    ranked = sum(isinstance(m.method, SendMessage) and "Ranking" in m.text for m in sent)
    return photos, ranked


async def test_closing_stores_the_publication_with_the_close(harness: Harness) -> None:
    team, rnd = await rated_round(harness)
    store = harness.ctx.store
    # The process dies right after the close's transaction: nothing was posted yet.
    key = job_key(JobKind.PUBLISH_RESULTS, rnd.id)
    assert await store.rounds.close(
        rnd.id, show_anyway=True, publish=(key, JobKind.PUBLISH_RESULTS.value)
    )
    assert key in [job.key for job in await store.jobs.pending()]
    assert reports(harness, team.chat.id) == (0, 0)
    # At the next start-up the pending job runs: everything is posted, once.
    await harness.ctx.scheduler.start()
    await harness.ctx.scheduler.done(key)
    assert reports(harness, team.chat.id) == (1, 1)
    done = await store.rounds.get(rnd.id)
    assert done is not None and done.published and done.report_message_id is not None
    assert key not in [job.key for job in await store.jobs.pending()]
    # Run again (a job repeated after a crash before it was marked done): nothing new.
    await team.rating.publish(rnd.id)
    assert reports(harness, team.chat.id) == (1, 1)


async def test_a_publication_cut_short_resumes_where_it_stopped(harness: Harness) -> None:
    team, rnd = await rated_round(harness)
    store = harness.ctx.store
    assert await store.rounds.close(rnd.id, show_anyway=True)
    # The wheel went out before the crash (its mark was set); the ranking and plan did not.
    await store.rounds.set_results_message(rnd.id, 4242)
    await team.rating.publish(rnd.id)
    assert reports(harness, team.chat.id) == (0, 1)
    closed = await store.rounds.get(rnd.id)
    assert closed is not None and closed.status is RoundStatus.CLOSED and closed.published
    # Every rater still gets the closed summary and the link to the wheel that was posted.
    link = f"https://t.me/c/{str(team.chat.id)[4:]}/4242"
    for user in (team.alice, team.bob, team.carol):
        assert any(link in m.text for m in harness.session.sent(user.id))
