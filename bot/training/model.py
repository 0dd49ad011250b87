"""Fitting the channel classifier with scikit-learn, calibrating it and choosing its threshold.

A linear SVM (one-vs-rest, L2) over `Playbook.features`: features seen in fewer than `min_df`
training texts are dropped, the rest weighted by inverse document frequency and each text
scaled to unit length; weights under `prune` are cut. The scores become probabilities by a
softmax whose temperature is fitted (least log-loss) on business-grouped out-of-fold scores,
and the same out-of-fold probabilities choose the abstention threshold. The result is the
pure-Python `LinearModel` the bot scores with. Deterministic: liblinear with a fixed seed,
folds dealt by business name.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.svm import LinearSVC

from bot.core.linear import LinearModel
from bot.core.playbook import FALLBACK, Playbook
from bot.training.corpus import BACKGROUND, Example, Settings, fingerprint

Features = Mapping[str, float]
# Temperatures tried for the softmax: 1 to 100, 40 steps a decade.
TEMPERATURES = [10 ** (k / 40) for k in range(81)]
# Thresholds tried: 0.10 to 0.95.
THRESHOLDS = [round(0.01 * k, 2) for k in range(10, 96)]


@dataclass(frozen=True, slots=True)
class Prediction:
    example: Example
    channel: str | None  # the argmax; None when the model knew no feature
    probability: float


def classes_of(playbook: Playbook) -> list[str]:
    return [c.name for c in playbook.channels if c.name != FALLBACK]


def fit(
    examples: Sequence[Example],
    features: Mapping[str, Features],
    playbook: Playbook,
    settings: Settings,
) -> LinearModel:
    """A model trained on `examples` (`features` maps each text to its features), with
    temperature 1 and no threshold."""
    classes = classes_of(playbook)
    vectorizer = DictVectorizer(sort=True)
    x = vectorizer.fit_transform([features[e.text] for e in examples]).tocsc()
    df = np.asarray((x != 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(df >= settings.min_df)
    names = vectorizer.get_feature_names_out()[keep]
    # As sklearn's TfidfTransformer(smooth_idf=True) computes it.
    idf = np.log((1 + len(examples)) / (1 + df[keep])) + 1
    x = x[:, keep].tocsr().multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = x.multiply(1 / np.maximum(norms, 1e-12)[:, None]).tocsr()
    index = {name: k for k, name in enumerate(classes)}
    y = np.array([index[e.channel] for e in examples])
    svm = LinearSVC(C=settings.c, max_iter=20_000, random_state=settings.seed)
    svm.fit(x, y)
    coef = np.zeros((len(classes), len(names)))
    intercepts = np.full(len(classes), -10.0)  # a class missing from `examples`: never
    if len(svm.classes_) == 2:  # sklearn keeps one row for two classes
        coef[svm.classes_] = np.vstack([-svm.coef_, svm.coef_])
        intercepts[svm.classes_] = [-svm.intercept_[0], svm.intercept_[0]]
    else:
        coef[svm.classes_] = svm.coef_
        intercepts[svm.classes_] = svm.intercept_
    coef[np.abs(coef) < settings.prune] = 0.0
    idf32 = idf.astype(np.float32)
    rows = {}
    for j, name in enumerate(names):
        (nonzero,) = np.nonzero(coef[:, j])
        rows[str(name)] = (float(idf32[j]), [(int(k), float(coef[k, j])) for k in nonzero])
    info = {
        "examples": len(examples),
        "businesses": sorted({e.business for e in examples} - BACKGROUND),
        "settings": dataclasses.asdict(settings),
    }
    return LinearModel.build(classes, intercepts.tolist(), rows, info=info)


def folds(examples: Sequence[Example], k: int) -> list[list[str]]:
    """The businesses (not the background ones) dealt round-robin into `k` folds by name."""
    businesses = sorted({e.business for e in examples} - BACKGROUND)
    return [businesses[i::k] for i in range(min(k, len(businesses)))]


Scored = tuple[Example, list[float] | None]


def out_of_fold(
    examples: Sequence[Example],
    features: Mapping[str, Features],
    playbook: Playbook,
    settings: Settings,
) -> list[Scored]:
    """Scores for every business's lines by a model trained without its fold."""
    scored: list[Scored] = []
    for held in folds(examples, settings.folds):
        model = fit([e for e in examples if e.business not in held], features, playbook, settings)
        scored += [(e, model.scores(features[e.text])) for e in examples if e.business in held]
    return scored


def _log_loss(scored: Sequence[Scored], classes: Sequence[str], temperature: float) -> float:
    total = 0.0
    for example, scores in scored:
        if scores is None:
            continue
        top = max(scores)
        log_sum = math.log(sum(math.exp(temperature * (s - top)) for s in scores))
        total += log_sum - temperature * (scores[classes.index(example.channel)] - top)
    return total


def calibrate(scored: Sequence[Scored], classes: Sequence[str]) -> float:
    """The softmax temperature with the least log-loss on `scored` (1 if nothing to fit)."""
    if not scored:
        return 1.0
    return min(TEMPERATURES, key=lambda t: _log_loss(scored, classes, t))


def predict(model: LinearModel, example: Example, features: Features) -> Prediction:
    probabilities = model.probabilities(features)
    if probabilities is None:
        return Prediction(example, None, 0.0)
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    return Prediction(example, model.classes[best], probabilities[best])


def commitment(predictions: Sequence[Prediction], threshold: float) -> tuple[float, float]:
    """(share abstained, precision of the committed answers) at `threshold`."""
    committed = [p for p in predictions if p.channel and p.probability >= threshold]
    right = sum(p.channel == p.example.channel for p in committed)
    abstained = 1 - len(committed) / len(predictions) if predictions else 0.0
    return abstained, (right / len(committed) if committed else 1.0)


def choose_threshold(predictions: Sequence[Prediction], settings: Settings) -> float:
    """The lowest threshold whose committed answers reach `settings.precision` within the
    abstention budget; if none does, the highest threshold within the budget."""
    within = [t for t in THRESHOLDS if commitment(predictions, t)[0] <= settings.max_abstain]
    good = [t for t in within if commitment(predictions, t)[1] >= settings.precision]
    if good:
        return min(good)
    return max(within, default=THRESHOLDS[0])


def train(
    examples: Sequence[Example],
    features: Mapping[str, Features],
    playbook: Playbook,
    settings: Settings,
) -> LinearModel:
    """Temperature and threshold from business-grouped folds, then the model on everything."""
    classes = classes_of(playbook)
    scored = out_of_fold(examples, features, playbook, settings)
    temperature = calibrate(scored, classes)
    predictions = []
    for example, scores in scored:
        if scores is None:
            predictions.append(Prediction(example, None, 0.0))
            continue
        top = max(scores)
        exps = [math.exp(temperature * (s - top)) for s in scores]
        best = max(range(len(scores)), key=scores.__getitem__)
        predictions.append(Prediction(example, classes[best], exps[best] / sum(exps)))
    threshold = choose_threshold(predictions, settings)
    model = fit(examples, features, playbook, settings)
    stamp = fingerprint(examples, playbook, dataclasses.asdict(settings))
    return dataclasses.replace(
        model, temperature=temperature, threshold=threshold, fingerprint=stamp
    )


def features_of(examples: Sequence[Example], playbook: Playbook) -> dict[str, Features]:
    return {e.text: playbook.features(e.text) for e in examples}
