"""The layer contracts hold, and they would catch a core module that imports aiogram."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import make_services
from bot.domain import JobKind
from bot.jobs import job_table
from tests.harness import Harness

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the packages in `tree`, found there before any installed copy."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_tree(target: Path) -> Path:
    for package in ("bot", "handlers", "storage"):
        shutil.copytree(
            ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a dev dependency")
def test_the_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a dev dependency")
@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # The pure core may not talk to Telegram.
        ("bot/core/text.py", "import aiogram", "bot.core.text -> aiogram"),
        # A view may not reach up into a handler.
        ("bot/views/common.py", "import handlers.start", "bot.views.common -> handlers.start"),
        # Nor may storage know about the services above it.
        ("storage/rows.py", "import bot.services.rating", "storage.rows -> bot.services.rating"),
        # A handler only routes: the Storage facade, a repository or SQL belong to services.
        ("handlers/results.py", "from storage import Storage", "handlers.results -> storage"),
        ("handlers/plan.py", "import storage.repos.plans", "handlers.plan -> storage.repos.plans"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    tree = copy_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert broken in result.stdout


def test_every_job_kind_runs_a_service_method(harness: Harness) -> None:
    table = job_table(make_services(harness.ctx))
    assert set(table) == set(JobKind)
    assert all(callable(handler) for handler in table.values())
