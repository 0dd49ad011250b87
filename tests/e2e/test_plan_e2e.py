"""The plan in a Russian bank workshop, with the real bot: the right action for a phone
queue, a website section and a branch visit; the team's changes survive a restart."""

from __future__ import annotations

from bot.core.playbook import load_playbook
from bot.domain import Criterion
from tests.conftest import RunBot
from tests.e2e.steps import tap
from tests.fakeapi import FakeTelegram

IDEAS = {
    "Ожидание на линии и голосовое меню": "phone",
    "Сайт банка: раздел «Кредиты»": "website",
    "Визит в отделение": "office",
    "Мобильное приложение": "app",
}


async def test_russian_plan_names_the_right_channels_and_keeps_the_teams_changes(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    bot = await run_bot(locale="ru", min_raters=1)
    alice, bob = tg.user("Алиса", lang="ru"), tg.user("Борис", lang="ru")
    group = tg.group("Банк", members=[alice, bob], admins=[alice])
    await tg.send(alice, group, "/brainstorm 5m")
    await tg.wait_message(group, "Мозговой штурм")
    sent = [await tg.send(bob, group, f"/idea {text}") for text in IDEAS]
    await tg.wait_for(lambda: all(m.reactions for m in sent), what="the ideas")
    await tg.send(alice, group, "/finish")
    await tg.wait_message(group, "🔔")
    await tg.send(alice, group, "/rate")
    announcement = await tg.wait_message(group, "Раунд оценки 1")
    token = str(announcement.button("Оценить лично")["url"]).split("start=r_", 1)[1]
    private = tg.private(alice)
    await tg.start_bot(alice, f"r_{token}")
    wizard = await tg.wait_for(
        lambda: next((m for m in tg.bot_messages(private) if m.buttons()), None),
        what="the wizard",
    )
    # Simplicity 5, convenience 5, speed 2 for the first three; the app gets 9s.
    for _spoke in IDEAS:
        name = next(text for text in IDEAS if text in wizard.text)
        for value in ("9", "9", "9") if name == "Мобильное приложение" else ("5", "5", "2"):
            await tap(tg, alice, wizard, value)
    await tg.send(alice, group, "/finish")
    plan = await tg.wait_message(group, "План действий")

    playbook = load_playbook()
    sections = plan.text[plan.text.index("План действий") :].split("\n")  # after the ranking
    for text, channel in IDEAS.items():
        if channel == "app":
            assert text not in "\n".join(sections)  # 9.0: not on the short plan
            continue
        head = next(n for n, line in enumerate(sections) if text in line)
        assert "скорость реакции" in sections[head]
        expected = playbook.named(channel)
        assert expected is not None
        assert sections[head + 1] == f"→ {expected.action(Criterion.SPEED, 'ru')}", text

    # The team takes another suggestion for the phone queue and writes its own for the branch.
    phone_number = sections[next(n for n, line in enumerate(sections) if "линии" in line)]
    phone_n = phone_number.split(".", 1)[0]
    answer = await tg.press(alice, plan, f"{phone_n} · 🔄")
    assert not answer.get("show_alert")
    phone = playbook.named("phone")
    assert phone is not None
    second = playbook.suggestions(phone, Criterion.SPEED, "ru")[1]
    await tg.wait_for(lambda: second in plan.text, what="the plan with the next suggestion")
    branch_n = next(line for line in sections if "отделение" in line).split(".", 1)[0]
    await tg.send(alice, group, f"/action {branch_n} Открыть второе окно по вторникам")
    await tg.wait_message(group, "теперь своё действие")

    await bot.restart()
    after = max(m.message_id for m in tg.messages[group.id])
    await tg.send(bob, group, "/plan")
    shown = await tg.wait_message(group, "План действий", after=after)
    assert second in shown.text
    assert "Открыть второе окно по вторникам ✍️" in shown.text
