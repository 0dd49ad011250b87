"""Fitting the channel classifier with scikit-learn, calibrating it and choosing its threshold.

A linear SVM (one-vs-rest, L2) over `Playbook.features`: features seen in fewer than `min_df`
training texts are dropped, the rest weighted by inverse document frequency and each text
scaled to unit length; weights under `prune` are cut. Which of `Settings.grid` (C, the weight
of the background lines, whether a feature must occur in more than one business) is chosen by
business-grouped out-of-fold accuracy on the training set. The scores become probabilities by
a softmax whose temperature is fitted (least log-loss) on the chosen settings' out-of-fold
scores, and the same out-of-fold probabilities choose the abstention threshold. The result is the
pure-Python `LinearModel` the bot scores with. Deterministic: liblinear with a fixed seed,
folds dealt by business name.

The corpus is vectorised once (`vectorise`: each text's features computed once, one sparse
matrix over every feature in sorted order); a fit takes a set of its rows and keeps the
columns its rows have, so it sees exactly the matrix a vectoriser fitted on those rows alone
would make. Held-out rows are scored with numpy the way `LinearModel.scores` scores a text
(float32 idf and weights, unit length over the features the model knows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import DictVectorizer
from sklearn.svm import LinearSVC

from bot.core.linear import LinearModel
from bot.core.playbook import FALLBACK, Playbook, readable
from bot.training.corpus import (
    BACKGROUND,
    GUIDE,
    PLAYBOOK,
    Choice,
    Example,
    Settings,
    fingerprint,
)

# Temperatures tried for the softmax: 1 to 100, 40 steps a decade.
TEMPERATURES = np.array([10 ** (k / 40) for k in range(81)])
# Thresholds tried: 0.10 to 0.95.
THRESHOLDS = [round(0.01 * k, 2) for k in range(10, 96)]


@dataclass(frozen=True, slots=True)
class Prediction:
    example: Example
    channel: str | None  # the argmax; None when the model knew no feature
    probability: float


def classes_of(playbook: Playbook) -> list[str]:
    return [c.name for c in playbook.channels if c.name != FALLBACK]


@dataclass(frozen=True, slots=True, eq=False)
class Vectors:
    """The whole corpus, vectorised once."""

    examples: tuple[Example, ...]
    classes: tuple[str, ...]
    names: np.ndarray  # every feature of every text, sorted
    x: sp.csr_matrix  # example × feature: 1 when the text has the feature
    y: np.ndarray  # example → its class's index
    businesses: np.ndarray  # example → its business
    short: np.ndarray  # example → whether it is a playbook.toml or GUIDE.md line
    readable: np.ndarray  # feature → more than a character n-gram (`playbook.readable`)

    def rows(self, *, without: frozenset[str] = frozenset()) -> np.ndarray:
        return np.flatnonzero(~np.isin(self.businesses, list(without)))


def vectorise(examples: Sequence[Example], playbook: Playbook) -> Vectors:
    classes = classes_of(playbook)
    cache: dict[str, dict[str, float]] = {}
    for e in examples:
        if e.text not in cache:
            cache[e.text] = playbook.features(e.text)
    vectorizer = DictVectorizer(sort=True)
    x = vectorizer.fit_transform([cache[e.text] for e in examples]).tocsr()
    index = {name: k for k, name in enumerate(classes)}
    names = vectorizer.get_feature_names_out()
    return Vectors(
        tuple(examples),
        tuple(classes),
        names,
        x,
        np.array([index[e.channel] for e in examples]),
        np.array([e.business for e in examples]),
        np.array([e.business in {PLAYBOOK, GUIDE} for e in examples]),
        np.array([readable(str(name)) for name in names]),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Fitted:
    """A fitted model in arrays: what `LinearModel` would hold, over `columns` of `Vectors`."""

    columns: np.ndarray  # the features it knows, as columns of Vectors.x
    readable: np.ndarray  # per column: more than a character n-gram
    idf: np.ndarray  # per column, float32 as in the model file
    coef: np.ndarray  # class × column, float32, pruned
    intercepts: np.ndarray  # per class

    def scores(self, x: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """(scores per row and class, whether the row has an answer: a feature the model
        knows that is more than a character n-gram), as `Playbook.probabilities` computes
        them."""
        known = x[:, self.columns].tocsr().astype(np.float64)
        answer = np.asarray(known[:, np.flatnonzero(self.readable)].sum(axis=1)).ravel() > 0
        known = known.multiply(self.idf.astype(np.float64)[None, :]).tocsr()
        norms = np.sqrt(np.asarray(known.multiply(known).sum(axis=1)).ravel())
        has = np.diff(known.indptr) > 0
        known = sp.diags(1 / np.where(has, norms, 1.0)) @ known
        scores = np.asarray(known @ self.coef.astype(np.float64).T) + self.intercepts[None, :]
        return scores, has & answer

    def model(self, vectors: Vectors, info: dict[str, object]) -> LinearModel:
        names = vectors.names[self.columns]
        rows = {}
        coef = self.coef.astype(np.float64)
        for j, name in enumerate(names):
            (nonzero,) = np.nonzero(coef[:, j])
            rows[str(name)] = (float(self.idf[j]), [(int(k), float(coef[k, j])) for k in nonzero])
        return LinearModel.build(vectors.classes, self.intercepts.tolist(), rows, info=info)


def _spread(vectors: Vectors, rows: np.ndarray) -> np.ndarray:
    """Per feature: in how many businesses of `rows` it occurs, a large number when in the
    background lines."""
    spread = np.zeros(vectors.x.shape[1], dtype=np.int64)
    businesses = vectors.businesses[rows]
    for business in set(businesses):
        seen = vectors.x[rows[businesses == business]].getnnz(axis=0) > 0
        spread += seen * (len(rows) if business in BACKGROUND else 1)
    return spread


def fit(vectors: Vectors, rows: np.ndarray, settings: Settings, choice: Choice) -> Fitted:
    """A model trained on `rows` of `vectors`."""
    x = vectors.x[rows].tocsc()
    df = np.diff(x.indptr)
    wanted = df >= max(settings.min_df, 1)
    if choice.businesses > 1:
        wanted &= _spread(vectors, rows) >= choice.businesses
    columns = np.flatnonzero(wanted)
    # As sklearn's TfidfTransformer(smooth_idf=True) computes it.
    idf = np.log((1 + len(rows)) / (1 + df[columns])) + 1
    x = x[:, columns].tocsr().multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = x.multiply(1 / np.maximum(norms, 1e-12)[:, None]).tocsr()
    y = vectors.y[rows]
    weight = None
    if choice.background != 1:
        weight = np.where(vectors.short[rows], choice.background, 1.0)
    svm = LinearSVC(C=choice.c, max_iter=20_000, random_state=settings.seed)
    svm.fit(x, y, sample_weight=weight)
    n = len(vectors.classes)
    coef = np.zeros((n, len(columns)))
    intercepts = np.full(n, -10.0)  # a class missing from `rows`: never
    if len(svm.classes_) == 2:  # sklearn keeps one row for two classes
        coef[svm.classes_] = np.vstack([-svm.coef_, svm.coef_])
        intercepts[svm.classes_] = [-svm.intercept_[0], svm.intercept_[0]]
    else:
        coef[svm.classes_] = svm.coef_
        intercepts[svm.classes_] = svm.intercept_
    coef[np.abs(coef) < settings.prune] = 0.0
    return Fitted(
        columns,
        vectors.readable[columns],
        idf.astype(np.float32),
        coef.astype(np.float32),
        intercepts,
    )


def folds(businesses: Sequence[str], k: int) -> list[list[str]]:
    """The businesses (not the background ones) dealt round-robin into `k` folds by name."""
    named = sorted(set(businesses) - BACKGROUND)
    return [named[i::k] for i in range(min(k, len(named)))]


def out_of_fold(
    vectors: Vectors, rows: np.ndarray, settings: Settings, choice: Choice
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, their scores, whether known) for every business's rows among `rows`, each
    scored by a model trained on `rows` without its fold."""
    held_rows, scores, known = [], [], []
    for held in folds(list(vectors.businesses[rows]), settings.folds):
        inside = np.isin(vectors.businesses[rows], held)
        model = fit(vectors, rows[~inside], settings, choice)
        s, k = model.scores(vectors.x[rows[inside]])
        held_rows.append(rows[inside])
        scores.append(s)
        known.append(k)
    if not held_rows:
        return np.zeros(0, dtype=int), np.zeros((0, len(vectors.classes))), np.zeros(0, bool)
    return np.concatenate(held_rows), np.vstack(scores), np.concatenate(known)


def calibrate(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature with the least log-loss on `scores` (1 if nothing to fit)."""
    if not len(scores):
        return 1.0
    shifted = scores - scores.max(axis=1, keepdims=True)
    truth = shifted[np.arange(len(y)), y]
    losses = []
    for t in TEMPERATURES:
        log_sum = np.log(np.exp(t * shifted).sum(axis=1))
        losses.append(float((log_sum - t * truth).sum()))
    return float(TEMPERATURES[int(np.argmin(losses))])


def top(
    scores: np.ndarray, known: np.ndarray, temperature: float
) -> tuple[np.ndarray, np.ndarray]:
    """(the argmax class, or -1 when nothing is known; its softmax probability)."""
    if not len(scores):
        return np.zeros(0, dtype=int), np.zeros(0)
    shifted = scores - scores.max(axis=1, keepdims=True)
    exps = np.exp(temperature * shifted)
    best = np.argmax(scores, axis=1)
    probability = exps[np.arange(len(best)), best] / exps.sum(axis=1)
    return np.where(known, best, -1), np.where(known, probability, 0.0)


def commitment(
    right: np.ndarray, probability: np.ndarray, threshold: float
) -> tuple[float, float]:
    """(share abstained, precision of the committed answers) at `threshold`; `right` says
    which argmax answers are right, `probability` is 0 where there is no answer."""
    committed = (probability >= threshold) & (probability > 0)
    n = int(committed.sum())
    abstained = 1 - n / len(right) if len(right) else 0.0
    return abstained, (float(right[committed].sum()) / n if n else 1.0)


def choose_threshold(right: np.ndarray, probability: np.ndarray, settings: Settings) -> float:
    """The lowest threshold whose committed answers reach `settings.precision` within the
    abstention budget; if none does, the highest threshold within the budget."""
    at = {t: commitment(right, probability, t) for t in THRESHOLDS}
    within = [t for t in THRESHOLDS if at[t][0] <= settings.max_abstain]
    good = [t for t in within if at[t][1] >= settings.precision]
    if good:
        return min(good)
    return max(within, default=THRESHOLDS[0])


@dataclass(frozen=True, slots=True, eq=False)
class Trained:
    fitted: Fitted
    choice: Choice
    temperature: float
    threshold: float
    accuracy: dict[Choice, float]  # each candidate's out-of-fold accuracy

    def predict(self, vectors: Vectors, rows: np.ndarray) -> list[Prediction]:
        scores, known = self.fitted.scores(vectors.x[rows])
        best, probability = top(scores, known, self.temperature)
        return [
            Prediction(vectors.examples[r], vectors.classes[b] if b >= 0 else None, float(p))
            for r, b, p in zip(rows, best, probability, strict=True)
        ]


def train_rows(vectors: Vectors, rows: np.ndarray, settings: Settings) -> Trained:
    """The settings, temperature and threshold from business-grouped folds of `rows`, then
    the model on all of them. Of `settings.grid` the one with the most out-of-fold lines
    right (argmax) wins, the first of equals; its out-of-fold scores fit the temperature and
    the threshold."""
    accuracy: dict[Choice, float] = {}
    chosen = None
    for choice in settings.grid:
        held, scores, known = out_of_fold(vectors, rows, settings, choice)
        y = vectors.y[held]
        right = (np.argmax(scores, axis=1) == y) & known
        accuracy[choice] = float(right.mean()) if len(right) else 0.0
        if chosen is None or accuracy[choice] > accuracy[chosen[0]]:
            chosen = (choice, y, scores, known)
    if chosen is None:
        raise ValueError("training: the settings' grid is empty")
    choice, y, scores, known = chosen
    temperature = calibrate(scores[known], y[known])
    best, probability = top(scores, known, temperature)
    threshold = choose_threshold(best == y, probability, settings)
    fitted = fit(vectors, rows, settings, choice)
    return Trained(fitted, choice, temperature, threshold, accuracy)


def train(vectors: Vectors, playbook: Playbook, settings: Settings) -> LinearModel:
    """The shipped model: trained on the whole corpus."""
    rows = vectors.rows()
    trained = train_rows(vectors, rows, settings)
    info = {
        "examples": len(rows),
        "businesses": sorted(set(vectors.businesses[rows]) - BACKGROUND),
        "settings": dataclasses.asdict(settings),
        "chosen": dataclasses.asdict(trained.choice),
    }
    stamp = fingerprint(vectors.examples, playbook, dataclasses.asdict(settings))
    model = trained.fitted.model(vectors, info)
    return dataclasses.replace(
        model, temperature=trained.temperature, threshold=trained.threshold, fingerprint=stamp
    )
