"""A sparse linear classifier with softmax probabilities, scored in pure Python.

A text's features (name → value) are weighted by the model's inverse document frequencies,
scaled to unit length over the features the model knows, and scored per class:
score = intercept + Σ value × weight. The probabilities are softmax(temperature × scores),
the temperature fitted on held-out scores when the model was trained.

The file is gzip'd JSON written by `python -m bot playbook train` (bot/training):

    {"format": 1, "classes": [...], "intercepts": [...], "temperature": 8.0,
     "threshold": 0.5, "fingerprint": "...", "info": {...},
     "features": ["c: ab", ...],        # the vocabulary, sorted
     "idf": "<base64 float32 LE>",      # per feature
     "counts": "<base64 uint8>",        # per feature: how many classes it has a weight for
     "class_ids": "<base64 uint8>",     # per weight: the class it votes for
     "weights": "<base64 float32 LE>"}  # per weight: the weight

i.e. feature → a sparse list of (class, weight), stored column by column so that loading
makes one dict of strings and a few flat arrays instead of a Python object per weight.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

FORMAT = 1


def _pack(values: array[Any]) -> str:
    if sys.byteorder == "big" and values.itemsize > 1:
        values = array(values.typecode, values)
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def _unpack(typecode: str, text: str) -> array[Any]:
    values = array(typecode)
    values.frombytes(base64.b64decode(text))
    if sys.byteorder == "big" and values.itemsize > 1:
        values.byteswap()
    return values


@dataclass(frozen=True, slots=True, eq=False)
class LinearModel:
    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    temperature: float  # probabilities = softmax(temperature × scores)
    threshold: float  # the least top probability worth committing to
    fingerprint: str  # of everything it was trained from
    index: dict[str, int]  # feature → its row
    idf: array[float]  # row → its inverse document frequency
    starts: array[int]  # row → its first weight; one extra entry at the end
    class_ids: array[int]
    weights: array[float]
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        classes: Sequence[str],
        intercepts: Sequence[float],
        rows: Mapping[str, tuple[float, Sequence[tuple[int, float]]]],
        *,
        temperature: float = 1.0,
        threshold: float = 0.0,
        fingerprint: str = "",
        info: Mapping[str, Any] | None = None,
    ) -> LinearModel:
        """From feature → (idf, [(class index, weight)])."""
        names = sorted(rows)
        counts = [len(rows[name][1]) for name in names]
        return cls(
            tuple(classes),
            tuple(float(b) for b in intercepts),
            float(temperature),
            float(threshold),
            fingerprint,
            {name: row for row, name in enumerate(names)},
            array("f", (rows[name][0] for name in names)),
            array("I", accumulate(counts, initial=0)),
            array("B", (c for name in names for c, _w in rows[name][1])),
            array("f", (w for name in names for _c, w in rows[name][1])),
            dict(info or {}),
        )

    def scores(self, features: Mapping[str, float]) -> list[float] | None:
        """Each class's score, or None when the model knows none of the features."""
        index, idf = self.index, self.idf
        known = []
        for name, value in features.items():
            row = index.get(name)
            if row is not None:
                known.append((row, value * idf[row]))
        if not known:
            return None
        norm = math.sqrt(sum(value * value for _row, value in known))
        scores = list(self.intercepts)
        starts, class_ids, weights = self.starts, self.class_ids, self.weights
        for row, value in known:
            value /= norm
            begin, end = starts[row], starts[row + 1]
            for k, weight in zip(class_ids[begin:end], weights[begin:end], strict=True):
                scores[k] += value * weight
        return scores

    def softmax(self, scores: Sequence[float]) -> list[float]:
        top = max(scores)
        exps = [math.exp(self.temperature * (s - top)) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def probabilities(self, features: Mapping[str, float]) -> list[float] | None:
        """Softmax over the classes, or None when no feature is known to the model."""
        scores = self.scores(features)
        return None if scores is None else self.softmax(scores)

    def to_json(self) -> dict[str, Any]:
        names = sorted(self.index, key=self.index.__getitem__)
        counts = array("B", (b - a for a, b in zip(self.starts, self.starts[1:], strict=False)))
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "intercepts": list(self.intercepts),
            "temperature": self.temperature,
            "threshold": self.threshold,
            "fingerprint": self.fingerprint,
            "info": self.info,
            "features": names,
            "idf": _pack(self.idf),
            "counts": _pack(counts),
            "class_ids": _pack(self.class_ids),
            "weights": _pack(self.weights),
        }

    def save(self, path: Path) -> None:
        text = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        # mtime=0: the same model makes the same bytes.
        path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> LinearModel:
        if raw.get("format") != FORMAT:
            raise ValueError(f"channel model: format {raw.get('format')!r}, expected {FORMAT}")
        names: list[str] = raw["features"]
        idf = _unpack("f", raw["idf"])
        counts = _unpack("B", raw["counts"])
        class_ids = _unpack("B", raw["class_ids"])
        weights = _unpack("f", raw["weights"])
        classes = tuple(raw["classes"])
        if not len(names) == len(idf) == len(counts):
            raise ValueError("channel model: the feature arrays differ in length")
        if not sum(counts) == len(weights) == len(class_ids):
            raise ValueError("channel model: the weight arrays do not match the features")
        if len(raw["intercepts"]) != len(classes) or max(class_ids, default=0) >= len(classes):
            raise ValueError("channel model: the classes do not match the weights")
        return cls(
            classes,
            tuple(raw["intercepts"]),
            float(raw["temperature"]),
            float(raw["threshold"]),
            raw["fingerprint"],
            {name: row for row, name in enumerate(names)},
            idf,
            array("I", accumulate(counts, initial=0)),
            class_ids,
            weights,
            dict(raw.get("info", {})),
        )

    @classmethod
    def load(cls, data: bytes) -> LinearModel:
        return cls.from_json(json.loads(gzip.decompress(data)))
