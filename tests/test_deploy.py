"""The hosting recipes in deploy/: the systemd unit passes `systemd-analyze verify` (where
that tool exists), and the unit, the Dockerfile and the compose file say what the README
promises. Docker itself is not available here: its files are only read."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "touchwheel.service"
INSTALLED_AT = "/opt/touchwheel"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def verify(unit: Path) -> str:
    """What `systemd-analyze verify` says about `unit` (it exits 0 on some complaints, such
    as an unknown key, so the words count, not only the code)."""
    result = subprocess.run(
        [str(SYSTEMD_ANALYZE), "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return f"exit {result.returncode}: {result.stdout}{result.stderr}".strip()


def installed_here(tmp_path: Path, text: str) -> Path:
    """The unit with this checkout standing in for /opt/touchwheel, so that verify finds
    ExecStart's interpreter (.venv/bin/python) as it would on the server."""
    unit = tmp_path / "touchwheel.service"
    unit.write_text(text.replace(INSTALLED_AT, str(ROOT)), encoding="utf-8")
    return unit


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed here")
def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    assert verify(installed_here(tmp_path, UNIT.read_text(encoding="utf-8"))) == "exit 0:"


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed here")
def test_verify_would_catch_a_mistake(tmp_path: Path) -> None:
    broken = UNIT.read_text(encoding="utf-8").replace("Restart=on-failure", "Restart=sometimes")
    assert "Failed to parse service restart specifier" in verify(installed_here(tmp_path, broken))


def settings(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_runs_as_its_own_user_with_state_and_an_environment_file() -> None:
    unit = settings(UNIT.read_text(encoding="utf-8"))
    assert unit["User"] == ["touchwheel"] and unit["Restart"] == ["on-failure"]
    assert unit["StateDirectory"] == ["touchwheel"]
    assert "TOUCHWHEEL_STORAGE__PATH=/var/lib/touchwheel/touchwheel.sqlite3" in unit["Environment"]
    assert unit["EnvironmentFile"] == ["/etc/touchwheel/touchwheel.env"]
    assert unit["ExecStart"] == [f"{INSTALLED_AT}/.venv/bin/python -m bot"]
    # a config error (2) or a broken database (3) does not loop
    assert unit["RestartPreventExitStatus"] == ["2 3"]
    example = settings((DEPLOY / "touchwheel.env.example").read_text(encoding="utf-8"))
    assert example["BOT_TOKEN"] == [""]


def test_the_container_runs_unprivileged_with_a_volume_and_a_healthcheck() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "uv sync --locked --no-install-project --no-dev" in dockerfile
    assert re.search(r"^USER touchwheel$", dockerfile, re.MULTILINE)
    assert re.search(r"^VOLUME /data$", dockerfile, re.MULTILINE)
    assert "TOUCHWHEEL_STORAGE__PATH=/data/touchwheel.sqlite3" in dockerfile
    assert 'CMD ["python", "-m", "bot"]' in dockerfile
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert "dockerfile: deploy/Dockerfile" in compose and "touchwheel-data:/data" in compose
    assert "TOUCHWHEEL_TELEGRAM__MODE: webhook" in compose
    assert "http://127.0.0.1:8080/healthz" in compose
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "config.toml", "data"} <= set(ignored)


def test_the_readme_crontab_line_works_as_pasted() -> None:
    """cron ends a command at an unescaped % and runs it from $HOME with a bare PATH."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = re.findall(r"^\d+ \d+ \* \* \* .*$", readme, re.MULTILINE)
    command = line.split(maxsplit=5)[5]
    assert not re.search(r"(?<!\\)%", command), line
    for step in re.split(r"&&|;|\|\|", command):
        words = [w for w in step.split() if not re.fullmatch(r"[A-Z_]+=\S*", w)]  # env first
        program, argument = words[0], words[1]
        assert program.startswith("/") or (program == "cd" and argument.startswith("/")), step
