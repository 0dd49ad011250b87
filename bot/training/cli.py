"""`python -m bot playbook train|eval`: fit the channel classifier or evaluate it."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.training.corpus import CORPUS, EXTRA, ROOT, CorpusError, Settings

MODEL = ROOT / "bot" / "core" / "channel_model.json.gz"
REPORT = ROOT / "docs" / "playbook.md"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="touchwheel playbook", description=__doc__)
    parser.add_argument("command", choices=("train", "eval"))
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the <business>.tsv files")
    parser.add_argument("--output", type=Path, help=f"default: {MODEL} or {REPORT}")
    parser.add_argument(
        "--jobs", type=int, default=1, help="eval: businesses left out at a time (processes)"
    )
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print(
            "touchwheel: training needs scikit-learn, a dev dependency: run `uv sync` "
            "(with the default dev group) and try again",
            file=sys.stderr,
        )
        return 1
    # One BLAS thread: the problem is small, and more threads only fight over the cores.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return run(args.command, args.corpus, args.output, args.jobs)


def run(command: str, corpus: Path, output: Path | None, jobs: int = 1) -> int:
    from bot.core.playbook import load_playbook
    from bot.training.corpus import background, read_corpus
    from bot.training.evaluate import lobo, report
    from bot.training.model import train, vectorise

    playbook = load_playbook()
    settings = Settings()
    try:
        examples = read_corpus(playbook, corpus, EXTRA) + background(playbook, corpus / "GUIDE.md")
    except (CorpusError, OSError) as exc:
        print(f"touchwheel: {exc}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    vectors = vectorise(examples, playbook)
    if command == "train":
        model = train(vectors, playbook, settings)
        output = output or MODEL
        model.save(output)
        print(
            f"touchwheel: trained on {len(examples)} lines, {len(model.index)} features, "
            f"threshold {model.threshold:.2f}, fingerprint {model.fingerprint}: {output} "
            f"({output.stat().st_size:,} bytes, {time.perf_counter() - started:.1f}s)"
        )
        return 0
    folds = lobo(vectors, settings, progress=print, jobs=jobs)
    output = output or REPORT
    output.write_text(
        report(examples, folds, playbook, settings, time.perf_counter() - started) + "\n",
        encoding="utf-8",
    )
    print(f"touchwheel: wrote {output}")
    return 0
