"""The config: where it is found, what is checked, and the one-line errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Capture, Config, ConfigError, Mode, load_config, resolve_path

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


def test_the_example_and_the_readme_name_every_key() -> None:
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    for section, field in Config.model_fields.items():
        assert field.annotation is not None
        body = example.split(f"[{section}]\n", 1)[1].split("\n[", 1)[0]
        for key in field.annotation.model_fields:
            assert re.search(rf"^(# )?{key} = ", body, re.MULTILINE), f"{section}.{key}"
            assert re.search(rf"`{section}\.{key}`|`{key}`", reference), f"{section}.{key}"


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


def test_no_config_and_no_token_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_bot(cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no bot token: export BOT_TOKEN" in lines[0]
    assert "config.example.toml" in lines[0]


def test_a_named_config_file_that_is_missing_exits_2(tmp_path: Path) -> None:
    result = run_bot("--config", "elsewhere.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "touchwheel: elsewhere.toml: config file not found; copy config.example.toml to "
        "elsewhere.toml (or pass --config PATH / set TOUCHWHEEL_CONFIG), or configure by "
        "environment"
    )


def test_without_a_file_the_defaults_apply_and_bot_token_is_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./config.toml
    config = load_config(resolve_path(None), {"BOT_TOKEN": "1:abc"})
    assert config.telegram.token.get_secret_value() == "1:abc"
    assert config == Config.model_validate({"telegram": {"token": "1:abc"}})


@pytest.mark.parametrize(
    ("file", "environ", "key", "expected"),
    [
        # The environment wins over the file, key by key; the file's other keys stay.
        (
            "[workshop]\nmin_raters = 5\n",
            {"TOUCHWHEEL_WORKSHOP__MIN_RATERS": "2"},
            "min_raters",
            2,
        ),
        (
            "[workshop]\nmin_raters = 5\n",
            {"TOUCHWHEEL_WORKSHOP__MAX_TOUCHPOINTS": "8"},
            "min_raters",
            5,
        ),
        ("", {"touchwheel_workshop__capture": "all"}, "capture", Capture.ALL),
        ("", {"TOUCHWHEEL_WORKSHOP__ANYONE_CAN_START": "true"}, "anyone_can_start", True),
        ("", {"TOUCHWHEEL_WORKSHOP__ANYONE_CAN_START": ""}, "anyone_can_start", False),
        (
            'mode = "polling"\n',  # under [telegram]
            {
                "TOUCHWHEEL_TELEGRAM__MODE": "webhook",
                "TOUCHWHEEL_WEBHOOK__URL": "https://x.example/h",
            },
            "mode",
            Mode.WEBHOOK,
        ),
        ("", {"TOUCHWHEEL_METRICS__PORT": "9100"}, "port", 9100),
        # Not config keys: ignored by the config.
        (
            "",
            {"TOUCHWHEEL_CONFIG": "x.toml", "TOUCHWHEEL_LOOP_LAG_LOG": "/tmp/lag"},
            "min_raters",
            3,
        ),
    ],
)
def test_the_environment_overrides_the_file(
    tmp_path: Path, file: str, environ: dict[str, str], key: str, expected: object
) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:abc"\n' + file)
    config = load_config(path, environ)
    section = next(
        part
        for part in (config.workshop, config.telegram, config.metrics)
        if key in type(part).model_fields
    )
    assert getattr(section, key) == expected


def test_environment_token_names_win_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:file"\n')
    both = {"BOT_TOKEN": "2:bot", "TOUCHWHEEL_TELEGRAM__TOKEN": "3:prefixed"}
    assert load_config(path, both).telegram.token.get_secret_value() == "3:prefixed"
    assert load_config(path, {"BOT_TOKEN": "2:bot"}).telegram.token.get_secret_value() == "2:bot"


@pytest.mark.parametrize(
    ("environ", "line"),
    [
        (
            {"TOUCHWHEEL_WORKSHOP__MIN_RATERS": "0"},
            "environment TOUCHWHEEL_WORKSHOP__MIN_RATERS: [workshop.min_raters] Input should be "
            "greater than or equal to 1",
        ),
        (
            {"TOUCHWHEEL_WORKSHOP__TYPO_KEY": "1"},
            "environment TOUCHWHEEL_WORKSHOP__TYPO_KEY: [workshop.typo_key] unknown key",
        ),
        (
            {"BOT_TOKEN": "no-colon"},
            "environment BOT_TOKEN: [telegram.token] must look like 123456:ABC-DEF… as given "
            "by @BotFather",
        ),
        (
            {"TOUCHWHEEL_LOCALE__TIMEZONE": "Mars/Olympus"},
            "environment TOUCHWHEEL_LOCALE__TIMEZONE: [locale.timezone] must be an IANA time "
            "zone such as Europe/Amsterdam",
        ),
        (
            {"TOUCHWHEEL_TELEGRAM": "1"},
            "environment TOUCHWHEEL_TELEGRAM: set one key at a time, as "
            "TOUCHWHEEL_TELEGRAM__<KEY>",
        ),
    ],
)
def test_a_bad_environment_value_names_the_variable(
    tmp_path: Path, environ: dict[str, str], line: str
) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "1:abc"\n[workshop]\nmin_raters = 2\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ)
    assert str(caught.value) == line


def test_invalid_value_exits_2_naming_the_key(tmp_path: Path) -> None:
    write(tmp_path, '[telegram]\ntoken = "1:abc"\n[workshop]\nmax_touchpoints = 500\n')
    result = run_bot("--config", "config.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "[workshop.max_touchpoints]" in result.stderr.strip()
