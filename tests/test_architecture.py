"""The import contracts hold, cover every module of bot/, and catch a forbidden import: a core
module that talks to Telegram or draws with matplotlib, storage that reaches into the core."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.app import make_services
from bot.domain import JobKind
from bot.jobs import job_table
from tests.harness import Harness

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS: list[dict[str, Any]] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
    "importlinter"
]["contracts"]


def contract(contract_id: str) -> dict[str, Any]:
    return next(c for c in CONTRACTS if c["id"] == contract_id)


def name(contract_id: str) -> str:
    return str(contract(contract_id)["name"])


def words(text: str) -> str:
    """The report with its line wrapping undone."""
    return " ".join(text.split())


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
    """A copy of the packages to break: tests running side by side never see each other's."""
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
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout


def test_every_module_of_bot_is_in_a_layer_and_only_the_worker_may_draw() -> None:
    bot = ROOT / "bot"
    modules = {f"bot.{path.stem}" for path in bot.glob("*.py") if path.stem != "__init__"}
    modules |= {f"bot.{path.parent.name}" for path in bot.glob("*/__init__.py")}
    layered = {
        module.strip()
        for layer in contract("layers")["layers"]
        for module in layer.replace(":", "|").split("|")
    }
    assert modules <= layered, modules - layered
    kept_from_matplotlib = set(contract("only-the-worker-draws")["source_modules"])
    assert modules - kept_from_matplotlib == {"bot.render"}


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a dev dependency")
@pytest.mark.parametrize(
    ("module", "line", "contract_id", "broken"),
    [
        # A probe module in the core that draws: the bot process would load matplotlib.
        (
            "bot/core/probe.py",
            "import matplotlib",
            "only-the-worker-draws",
            "bot.core.probe -> matplotlib",
        ),
        # Nor may the bot import the worker's package (it names the worker's functions).
        (
            "bot/services/render.py",
            "import bot.render.worker",
            "only-the-worker-draws",
            "bot.services.render -> bot.render.worker",
        ),
        # The pure core may not talk to Telegram.
        ("bot/core/text.py", "import aiogram", "pure-core", "bot.core.text -> aiogram"),
        # A view may not reach up into a handler.
        (
            "bot/views/common.py",
            "import handlers.start",
            "layers",
            "bot.views.common -> handlers.start",
        ),
        # Nor may storage know about the services above it, or the core beside it.
        (
            "storage/rows.py",
            "import bot.services.rating",
            "layers",
            "storage.rows -> bot.services.rating",
        ),
        (
            "storage/models.py",
            "import bot.core.scoring",
            "storage-knows-no-core",
            "storage.models -> bot.core.scoring",
        ),
        # The shared names import nothing of the project.
        ("bot/domain.py", "import bot.config", "domain-stands-alone", "bot.domain -> bot.config"),
        # A handler only routes: the Storage facade, a repository or SQL belong to services.
        (
            "handlers/results.py",
            "from storage import Storage",
            "thin-handlers",
            "handlers.results -> storage",
        ),
        (
            "handlers/plan.py",
            "import storage.repos.plans",
            "thin-handlers",
            "handlers.plan -> storage.repos.plans",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract_id: str, broken: str
) -> None:
    tree = copy_tree(tmp_path)
    path = tree / module
    path.write_text((path.read_text() if path.exists() else "") + f"\n{line}  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert f"{words(name(contract_id))} BROKEN" in words(result.stdout)
    assert broken in result.stdout


def test_every_job_kind_runs_a_service_method(harness: Harness) -> None:
    table = job_table(make_services(harness.ctx))
    assert set(table) == set(JobKind)
    assert all(callable(handler) for handler in table.values())
