"""The demo's case: a dental clinic's team of five maps its touchpoints and re-rates a month
later, when the schedule opens round 2. Plain data, one script per language; the runner
plays it through the real bot."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Script:
    chat_title: str
    topic: str
    team: tuple[str, str, str, str, str]  # the first one facilitates
    usernames: tuple[str, str, str, str, str]
    ideas: tuple[str, str, str, str, str]  # what each person sends with /idea, one per line
    merge: tuple[str, str]  # after the bell, /merge folds the second idea into the first
    own_action: tuple[str, str]  # after round 1: /action for this touchpoint, in our words
    stalled: str  # done before round 2, yet its spoke hardly moves (the phone line's works)
    month: str  # "/due N 1mo" in the team's words
    rates: str  # the transcript's own lines, in the team's language
    fortnight: str
    later: str


# Each touchpoint's team score in round 1 and round 2 (simplicity, convenience, speed), in the
# order the ideas are first named; people scatter around these by up to ±1.
ROUND_1 = (
    (8, 7, 7),  # website with online booking
    (5, 3, 2),  # phone line to the reception
    (8, 8, 8),  # WhatsApp reminders
    (6, 6, 5),  # reception desk and waiting room
    (4, 5, 5),  # treatment plan and quote
    (6, 5, 6),  # invoice and payment
    (3, 3, 2),  # follow-up call after treatment
)
# One spoke the team does not agree on in round 1: the treatment plan's simplicity, given by
# each person in turn (the ranking flags it ⚠: talk it through).
SPLIT_SPOKE, SPLIT_CRITERION, SPLIT_VALUES = 4, 0, (1, 7, 2, 8, 2)
ROUND_2 = (
    (8, 8, 7),  # the website holds
    (7, 6, 6),  # the phone line: a call-back promise and a shorter menu
    (9, 8, 8),
    (7, 6, 5),
    (6, 6, 4),  # the quote is clearer, still slow
    (6, 7, 7),
    (6, 6, 7),  # the follow-up call now happens
)

SCRIPTS = {
    "en": Script(
        chat_title="Smile Dental · team",
        topic="Patients of Smile Dental",
        team=("Alice", "Bob", "Carol", "Dan", "Erin"),
        usernames=("alice", "bob", "carol", "dan", "erin"),
        ideas=(
            "Website with online booking #before\nPhone line to the reception #before",
            "WhatsApp reminders before the visit #before\nReception desk and waiting room",
            "Treatment plan and price quote #during\nPhone line at the reception",
            "Invoice and payment at the desk #after\nCalling the clinic",
            "Follow-up call after the treatment #after",
        ),
        merge=("Phone line to the reception", "Calling the clinic"),
        own_action=(
            "Follow-up call after the treatment",
            "Call every patient the day after a treatment; script of five questions",
        ),
        stalled="Reception desk and waiting room",
        month="1mo",
        rates="{name} rates in a private chat with the bot ({taps} taps)",
        fortnight="Two weeks later two actions are done.",
        later="A month after round 1 the scheduled round opens by itself.",
    ),
    "ru": Script(
        chat_title="Стоматология «Улыбка» · команда",
        topic="Пациенты «Улыбки»",
        team=("Анна", "Борис", "Вера", "Глеб", "Дина"),
        usernames=("anna_k", "boris_m", "vera_s", "gleb_t", "dina_r"),
        ideas=(
            "Сайт с онлайн-записью #до\nТелефон регистратуры #до",
            "Напоминания в WhatsApp перед визитом #до\nРегистратура и зал ожидания",
            "План лечения и смета #во_время\nТелефон в регистратуру",
            "Счёт и оплата на ресепшене #после\nЗвонок в клинику",
            "Звонок пациенту после лечения #после",
        ),
        merge=("Телефон регистратуры", "Звонок в клинику"),
        own_action=(
            "Звонок пациенту после лечения",
            "Звонить каждому пациенту на следующий день после лечения: пять вопросов",
        ),
        stalled="Регистратура и зал ожидания",
        month="1 мес",
        rates="{name} оценивает в личном чате с ботом (нажатий: {taps})",
        fortnight="Через две недели два действия выполнены.",
        later="Через месяц после первого раунда запланированный раунд открывается сам.",
    ),
    "nl": Script(
        chat_title="Tandartspraktijk De Glimlach · team",
        topic="Patiënten van De Glimlach",
        team=("Anouk", "Bram", "Cor", "Daan", "Eva"),
        usernames=("anouk", "bram", "cor", "daan", "eva"),
        ideas=(
            "Website met online afspraken #voor\nTelefoonlijn van de praktijk #voor",
            "WhatsApp-herinnering voor het bezoek #voor\nReceptie en wachtkamer",
            "Behandelplan en offerte #tijdens\nDe telefoonlijn van de praktijk",
            "Factuur en betaling na de behandeling #na\nDe praktijk bellen",
            "Nabelactie na de behandeling #na",
        ),
        merge=("Telefoonlijn van de praktijk", "De praktijk bellen"),
        own_action=(
            "Nabelactie na de behandeling",
            "Elke patiënt de dag na de behandeling bellen, met vijf vaste vragen",
        ),
        stalled="Receptie en wachtkamer",
        month="1 mnd",
        rates="{name} beoordeelt in een privéchat met de bot ({taps} tikken)",
        fortnight="Twee weken later zijn twee acties klaar.",
        later="Een maand na ronde 1 opent de geplande ronde vanzelf.",
    ),
}
