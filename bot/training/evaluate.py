"""Leave-one-business-out evaluation of the channel classifier, written to docs/playbook.md.

For each business: `train` (threshold from business-grouped folds of the other businesses,
then the model on all of them) and predict the left-out business's lines. Nothing of the
left-out business is seen while fitting or while choosing its threshold.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.core.playbook import FALLBACK, LANGUAGES, Playbook, load_model
from bot.training.corpus import (
    BACKGROUND,
    GUIDE,
    MIXED,
    PLAYBOOK,
    Choice,
    Example,
    Settings,
    fingerprint,
)
from bot.training.model import Prediction, Vectors, classes_of, train_rows


@dataclass(frozen=True, slots=True)
class Fold:
    business: str
    threshold: float
    predictions: list[Prediction]
    choice: Choice  # the settings the training set's cross-validation chose


def _fold(vectors: Vectors, business: str, settings: Settings) -> tuple[Fold, float]:
    started = time.perf_counter()
    trained = train_rows(vectors, vectors.rows(without=frozenset({business})), settings)
    predictions = trained.predict(vectors, np.flatnonzero(vectors.businesses == business))
    fold = Fold(business, trained.threshold, predictions, trained.choice)
    return fold, time.perf_counter() - started


def lobo(
    vectors: Vectors,
    settings: Settings,
    progress: Callable[[str], None] = lambda _line: None,
    jobs: int = 1,
) -> list[Fold]:
    """Each business left out in turn, `jobs` of them at a time (in processes)."""
    from joblib import Parallel, delayed

    businesses = sorted(set(vectors.businesses) - BACKGROUND)
    results = []
    for fold, seconds in Parallel(n_jobs=jobs, return_as="generator")(
        delayed(_fold)(vectors, business, settings) for business in businesses
    ):
        results.append(fold)
        right = sum(p.channel == p.example.channel for p in fold.predictions)
        progress(
            f"{fold.business:<14} {right}/{len(fold.predictions)} right, threshold "
            f"{fold.threshold:.2f}, {_choice(fold.choice)} ({seconds:.1f}s)"
        )
    return results


# The businesses added to the corpus last, to show the accuracy without them too.
ADDED = frozenset({"solar", "travel"})


def _choice(choice: Choice) -> str:
    said = [f"C = {choice.c:g}"]
    if choice.background != 1:
        said.append(f"playbook.toml and GUIDE.md lines weighted {choice.background:g}")
    if choice.businesses > 1:
        said.append(
            f"only the features that the background lines or ≥ {choice.businesses} training "
            "businesses have"
        )
    else:
        said.append("every feature")
    return ", ".join(said)


def _settings_text(settings: Settings, folds: Sequence[Fold]) -> str:
    if len(settings.grid) == 1:
        return f"- Settings: {_choice(settings.grid[0])}, the same for every training set."
    return (
        "- Settings (nested): each training set chooses its own from "
        f"{len(settings.grid)} candidates, "
        + "; ".join(f"({k}) {_choice(c)}" for k, c in enumerate(settings.grid, 1))
        + ". Inside the training set the businesses are dealt into "
        f"{settings.folds} folds; the candidate with the most out-of-fold lines right "
        "(argmax) wins, the first of equals. The left-out business plays no part in it. "
        "Chosen: "
        + ", ".join(
            f"({settings.grid.index(c) + 1}) in {n} of {len(folds)} folds"
            for c, n in sorted(
                Counter(f.choice for f in folds).items(),
                key=lambda cn: settings.grid.index(cn[0]),
            )
        )
        + f"; for the shipped model, on the whole corpus: {_shipped_choice()}."
    )


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


@dataclass(frozen=True, slots=True)
class Score:
    lines: int
    right: int  # argmax right
    rules: int  # the keyword rules right
    committed: int
    committed_right: int

    @classmethod
    def of(cls, rows: Iterable[tuple[Prediction, float, str]]) -> Score:
        lines = right = rules = committed = committed_right = 0
        for prediction, threshold, rule in rows:
            want = prediction.example.channel
            lines += 1
            right += prediction.channel == want
            rules += rule == want
            if prediction.channel and prediction.probability >= threshold:
                committed += 1
                committed_right += prediction.channel == want
        return cls(lines, right, rules, committed, committed_right)

    def cells(self) -> list[str]:
        return [
            str(self.lines),
            _pct(self.right, self.lines),
            _pct(self.rules, self.lines),
            _pct(self.lines - self.committed, self.lines),
            _pct(self.committed_right, self.committed),
        ]


def _verdict(met: bool) -> str:
    return "**met**" if met else "**not met**"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def report(
    examples: Sequence[Example],
    folds: Sequence[Fold],
    playbook: Playbook,
    settings: Settings,
    seconds: float,
) -> str:
    rows = []  # (prediction, its fold's threshold, the rules' answer)
    for fold in folds:
        for p in fold.predictions:
            rule = playbook.keyword_channel(p.example.text)
            rows.append((p, fold.threshold, rule.name if rule else FALLBACK))
    tested = [r[0].example for r in rows]
    labelled = [e for e in examples if e.business not in {PLAYBOOK, GUIDE}]
    out = [
        "# Channel classifier: corpus and evaluation",
        "",
        "Written by `uv run python -m bot playbook eval` "
        f"(it took {seconds / 60:.1f} min); do not edit by hand. "
        "The shipped model is written by `uv run python -m bot playbook train` into "
        "`bot/core/channel_model.json.gz`.",
        "",
        "## Corpus",
        "",
        f"{len(labelled)} labelled lines: {len(tested)} in "
        f"{len({e.business for e in tested})} businesses (tests/data/touchpoints, see GUIDE.md "
        f"there) and {sum(e.business == MIXED for e in examples)} older ones "
        '(tests/data/channels.tsv, "mixed"). Training also reads '
        f"{sum(e.business == PLAYBOOK for e in examples)} short lines from playbook.toml "
        "(each keyword, channel name and action) and "
        f"{sum(e.business == GUIDE for e in examples)} phrases from GUIDE.md (its description "
        'of each channel and its worked examples); these and "mixed" are in every training '
        "set and never tested on.",
        "",
    ]
    by_business: dict[str, Counter[str]] = defaultdict(Counter)
    by_channel: dict[str, Counter[str]] = defaultdict(Counter)
    for e in labelled:
        by_business[e.business][e.lang] += 1
        by_channel[e.channel][e.lang] += 1
    total: Counter[str] = Counter(e.lang for e in labelled)
    out += _table(
        ["business", *LANGUAGES, "all"],
        [
            *(
                [b, *(str(c[lang]) for lang in LANGUAGES), str(c.total())]
                for b, c in sorted(by_business.items(), key=lambda bc: (bc[0] == MIXED, bc[0]))
            ),
            ["**all**", *(str(total[lang]) for lang in LANGUAGES), str(total.total())],
        ],
    )
    out += _table(
        ["channel", *LANGUAGES, "all"],
        (
            [ch, *(str(by_channel[ch][lang]) for lang in LANGUAGES), str(by_channel[ch].total())]
            for ch in classes_of(playbook)
        ),
    )
    defaults = dataclasses.asdict(settings)
    thresholds = sorted(f.threshold for f in folds)
    out += [
        "## Method",
        "",
        "- Features (`Playbook.features`, the same function in training and in the bot): "
        "character 2–5-grams inside each word of the NFKC-casefolded text (ё→е), the words, "
        "word pairs and their Snowball stems (Russian for Cyrillic, English and Dutch for "
        "Latin); plus `kw:<channel>` / `ctx:<channel>` when "
        "a keyword / context word of playbook.toml matches and `rule:<channel>` for the old "
        "rules' pick. Each feature present counts 1"
        + (
            f"; features seen in fewer than {settings.min_df} training texts are dropped"
            if settings.min_df > 1
            else ""
        )
        + ". Features are weighted by inverse document frequency, each text scaled to unit "
        "length. A text of which the model knows no word, stem, word pair or keyword, only "
        "character n-grams (gibberish, or nothing but unseen words), gets no answer: it "
        "counts as abstained and as wrong in the accuracy.",
        "- Model: a linear SVM, one-vs-rest (scikit-learn's LinearSVC, L2); weights under "
        f"{settings.prune} pruned; scored in pure Python "
        "(`bot/core/linear.py`). Probabilities: softmax of the scores times a temperature "
        "fitted (least log-loss) on out-of-fold scores of the training businesses.",
        _settings_text(settings, folds),
        "- Evaluation: leave one business out. For each of the "
        f"{len(folds)} businesses a model is trained on all the others and the background "
        "lines, and tested on the one left out. *Accuracy* is the argmax, never abstaining.",
        "- Threshold (nested): `classify` says None when the top probability is under the "
        f"threshold. Inside each training set the businesses are dealt into {settings.folds} "
        "folds; the out-of-fold probabilities (of the chosen candidate, if several) give the "
        f"lowest threshold whose committed answers are ≥ {100 * settings.precision:.0f} % "
        f"right while abstaining on ≤ {100 * settings.max_abstain:.0f} % (else the highest "
        "threshold within that budget). The left-out business plays no part in it (nor in "
        f"the temperature). The thresholds so chosen ranged {thresholds[0]:.2f}–"
        f"{thresholds[-1]:.2f}; the shipped model's, chosen the same way on the whole corpus, "
        f"is {_shipped_threshold(examples, playbook, defaults)}.",
        "- Baseline: the old keyword rules (`Playbook.keyword_channel`, with the keywords of "
        "the current playbook.toml) on the same lines; no match counts as wrong.",
        "- How the settings were chosen: earlier, a few model families and settings had "
        "been compared by their leave-one-business-out argmax accuracy (logistic regression "
        "vs linear SVM, tf-idf vs per-group scaling, binary features, C in 0.5–2, the "
        "background lines, min_df 1 vs 2), which fixed the linear SVM with C = 1 and tf-idf "
        "(slightly optimistic for that choice). Then three nested runs (each training set "
        "choosing among candidates fixed before any result of them was seen, by its own "
        "folds) tried more. Run 1 offered character 3–5-grams across the space between two "
        "words: chosen in 14 of the 29 folds, accuracy 90.5 % as before (en 90.6, ru 91.1, "
        "nl 89.9 %); dropped, they made the model a third larger. Run 2 offered keeping only "
        "the features that the background lines or ≥ 2 training businesses have (a feature "
        "of one business only lets the SVM explain away a hard line by that business's own "
        "words): chosen in 4 folds, 90.4 % (en 89.7, ru 91.5, nl 89.9 %). Run 3 offered that "
        "and the playbook.toml and GUIDE.md lines weighted 3, with two businesses added to "
        "the corpus (solar, travel: new lines written by GUIDE.md, tested like the others): "
        "weight 3 chosen in no fold, the ≥ 2 businesses in 8 of 31; 90.6 % (en 90.2, ru "
        "91.6, nl 89.9 %; on the 29 businesses before: en 90.2, ru 91.8, nl 90.1 %). Its "
        'shipped model gave gibberish ("xqzv wjkp") an answer, which `classify` must not; '
        'so did a model with the settings of before on that corpus (by one n-gram, " x" '
        "as in X/Twitter, a probability of 0.62 against a threshold of 0.60). So this run "
        "keeps the settings of before, with the corpus of run 3 and the rule that a text "
        "with no known word gets no answer (above), which was added for that and not tuned "
        "on the evaluation (it changes none of the numbers below). A last nested "
        "run offered NBSVM (one binary SVM a class over features scaled by their Naive Bayes "
        "log-count ratio; C = 1, add-one counts, fixed before any result of it was seen) "
        "beside these settings: chosen in no fold, and not by the whole corpus. Another "
        "offered C = 0.5 and C = 2 beside C = 1 (the reworded Russian and Dutch actions of "
        "issue 25 in the background lines): 90.7 % (en 90.1, ru 91.8, nl 90.1 %), no better "
        "than C = 1 alone, so not kept. The numbers "
        "below are nested for the thresholds and the temperature; that this run is "
        "reported and not another is a choice between evaluations, a small optimism. No "
        "keyword of playbook.toml and no existing corpus line was changed.",
        "",
        "## Leave-one-business-out results",
        "",
    ]
    header = [
        "",
        "lines",
        "accuracy",
        "keyword rules",
        "abstained",
        "precision when committed",
    ]
    out += _table(
        header,
        [
            *(
                [lang, *Score.of(r for r in rows if r[0].example.lang == lang).cells()]
                for lang in LANGUAGES
            ),
            ["**all**", *Score.of(rows).cells()],
        ],
    )
    scores = {lang: Score.of(r for r in rows if r[0].example.lang == lang) for lang in LANGUAGES}
    out += [
        "Targets: argmax accuracy ≥ 90 % in each language — "
        + _verdict(all(s.right >= 0.9 * s.lines for s in scores.values()))
        + "; with abstention, committed answers ≥ 92 % right while abstaining on ≤ 15 % — "
        + _verdict(
            all(
                s.committed_right >= 0.92 * s.committed and s.committed >= 0.85 * s.lines
                for s in [*scores.values(), Score.of(rows)]
            )
        )
        + " (overall and in each language).",
        "",
    ]
    added = sorted(ADDED & {f.business for f in folds})
    if added:
        earlier = [r for r in rows if r[0].example.business not in ADDED]
        out += [
            f"The same without the businesses added last ({', '.join(added)}), on the "
            f"{len({r[0].example.business for r in earlier})} businesses of the report "
            "before: "
            + ", ".join(
                f"{lang} {_pct(s.right, s.lines)}"
                for lang in LANGUAGES
                for s in [Score.of(r for r in earlier if r[0].example.lang == lang)]
            )
            + f", all {_pct(Score.of(earlier).right, len(earlier))} (argmax accuracy).",
            "",
        ]
    out += _table(
        ["business", *header[1:], "threshold", "settings"],
        (
            [
                f.business,
                *Score.of(r for r in rows if r[0] in f.predictions).cells(),
                f"{f.threshold:.2f}",
                f"({settings.grid.index(f.choice) + 1})" if f.choice in settings.grid else "–",
            ]
            for f in folds
        ),
    )
    out += [
        "For reference only (not how the threshold is chosen): one fixed threshold over all "
        "left-out predictions.",
        "",
    ]
    sweep = []
    for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        s = Score.of((p, t, rule) for p, _t, rule in rows)
        sweep.append([f"{t:.2f}", *s.cells()[3:]])
    out += _table(["threshold", "abstained", "precision when committed"], sweep)
    confusion = Counter(
        (r[0].example.channel, r[0].channel or "—")
        for r in rows
        if r[0].channel != r[0].example.channel
    )
    samples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p, _t, _rule in rows:
        key = (p.example.channel, p.channel or "—")
        if key in confusion and len(samples[key]) < 3:
            samples[key].append(f"{p.example.text} ({p.example.business}, {p.probability:.2f})")
    out += ["## Most common confusions (argmax, left-out businesses)", ""]
    out += _table(
        ["labelled", "predicted", "lines", "for example"],
        (
            [want, got, str(n), "; ".join(samples[want, got])]
            for (want, got), n in confusion.most_common(15)
        ),
    )
    return "\n".join(out)


def _shipped_choice() -> str:
    try:
        chosen = load_model().info.get("chosen")
    except FileNotFoundError:
        return "not trained yet"
    return "–" if not chosen else _choice(Choice(**chosen))


def _shipped_threshold(
    examples: Sequence[Example], playbook: Playbook, settings: dict[str, object]
) -> str:
    try:
        model = load_model()
    except FileNotFoundError:
        return "not trained yet"
    current = fingerprint(examples, playbook, settings)
    note = "" if model.fingerprint == current else ", stale: retrain, the corpus changed"
    return (
        f"{model.threshold:.2f} (temperature {model.temperature:.2f}; {len(model.index):,} "
        f"features, {len(model.weights):,} weights{note})"
    )
