"""The config: where it is found, what is checked, and the one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Capture, ConfigError, load_config, resolve_path

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_with_a_token(tmp_path: Path) -> None:
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = write(tmp_path, example)
    config = load_config(path, {"BOT_TOKEN": "123:abc"})
    assert config.telegram.token.get_secret_value() == "123:abc"
    assert config.workshop.brainstorm_minutes == 30
    assert config.workshop.capture is Capture.REPLIES
    assert config.storage.path == Path("data/touchwheel.sqlite3")


def test_environment_token_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:file"\n')
    assert load_config(path, {}).telegram.token.get_secret_value() == "1:file"
    assert load_config(path, {"BOT_TOKEN": "2:env"}).telegram.token.get_secret_value() == "2:env"


def test_path_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUCHWHEEL_CONFIG", "/etc/tw.toml")
    assert resolve_path("cli.toml") == Path("cli.toml")
    assert resolve_path(None) == Path("/etc/tw.toml")
    monkeypatch.delenv("TOUCHWHEEL_CONFIG")
    assert resolve_path(None) == Path("config.toml")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[workshop]\nmin_raters = 0\n", "[workshop.min_raters]"),
        ('[workshop]\ncapture = "everything"\n', "[workshop.capture]"),
        ('[locale]\ntimezone = "Mars/Olympus"\n', "[locale.timezone]"),
        ("[webhook]\nport = 70000\n", "[webhook.port]"),
        ("[workshop]\nbrainstorm_minutes = -5\n", "[workshop.brainstorm_minutes]"),
        ("[workshop]\ntypo_key = 1\n", "[workshop.typo_key] unknown key"),
        ("[workshop\n", "malformed TOML"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:abc"\n' + text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert fragment in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_token_says_how_to_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "[workshop]\nmin_raters = 2\n")
    with pytest.raises(ConfigError, match=r"\[telegram.token\] is missing.*BOT_TOKEN"):
        load_config(path, {})


def run_bot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_config_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_bot(cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "config.toml: config file not found" in lines[0]
    assert "config.example.toml" in lines[0]


def test_invalid_value_exits_2_naming_the_key(tmp_path: Path) -> None:
    write(tmp_path, '[telegram]\ntoken = "1:abc"\n[workshop]\nmax_touchpoints = 500\n')
    result = run_bot("--config", "config.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "[workshop.max_touchpoints]" in result.stderr.strip()
