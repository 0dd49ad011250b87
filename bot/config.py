"""Typed configuration read from TOML, one pydantic model per section."""

from __future__ import annotations

import os
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

DEFAULT_CONFIG_PATH = Path("config.toml")
CONFIG_ENV = "TOUCHWHEEL_CONFIG"
TOKEN_ENV = "BOT_TOKEN"
SUPPORTED_LOCALES = ("en", "ru", "nl")


class ConfigError(Exception):
    """A configuration problem worth one clear line to the operator."""


class Mode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class Capture(StrEnum):
    REPLIES = "replies"
    ALL = "all"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramConfig(_Section):
    token: SecretStr = SecretStr("")
    api_server: str | None = None
    mode: Mode = Mode.POLLING
    # Telegram lets a bot post 20 messages a minute into one group; the bot spreads them over
    # this window. Keep 60 against Telegram; a test server may count a shorter "minute".
    group_window_seconds: Annotated[float, Field(ge=1, le=60)] = 60

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value().strip()
        if raw and (":" not in raw or not raw.split(":", 1)[0].isdigit()):
            raise ValueError("must look like 123456:ABC-DEF… as given by @BotFather")
        return SecretStr(raw)

    @field_validator("api_server")
    @classmethod
    def _api_server_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else None


class WebhookConfig(_Section):
    url: str = ""
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    path: str = "/webhook"
    secret_token: SecretStr = SecretStr("")


class StorageConfig(_Section):
    path: Path = Path("data/touchwheel.sqlite3")


class WorkshopConfig(_Section):
    brainstorm_minutes: Annotated[float, Field(gt=0, le=7 * 24 * 60)] = 30
    rating_minutes: Annotated[float, Field(gt=0, le=7 * 24 * 60)] = 30
    min_raters: Annotated[int, Field(ge=1, le=100)] = 3
    capture: Capture = Capture.REPLIES
    max_touchpoints: Annotated[int, Field(ge=3, le=30)] = 12
    board_edit_seconds: Annotated[float, Field(ge=0, le=600)] = 10
    anyone_can_start: bool = False
    customer_weight: Annotated[float, Field(ge=0, le=1)] = 0.6
    customer_ideas_per_minute: Annotated[int, Field(ge=1, le=100)] = 10
    # /results, /export and /history each run once per chat within this window (0 = off).
    results_cooldown_seconds: Annotated[float, Field(ge=0, le=3600)] = 60
    ideas_per_minute: Annotated[int, Field(ge=1, le=100)] = 20
    max_idea_lines: Annotated[int, Field(ge=1, le=150)] = 30


class LocaleConfig(_Section):
    default: str = "en"
    timezone: str = "UTC"

    @field_validator("default")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/Amsterdam") from exc
        return value


class RenderConfig(_Section):
    workers: Annotated[int, Field(ge=0, le=8)] = 1


class LoggingConfig(_Section):
    level: str = "INFO"

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper


class Config(_Section):
    telegram: TelegramConfig = TelegramConfig()
    webhook: WebhookConfig = WebhookConfig()
    storage: StorageConfig = StorageConfig()
    workshop: WorkshopConfig = WorkshopConfig()
    locale: LocaleConfig = LocaleConfig()
    render: RenderConfig = RenderConfig()
    logging: LoggingConfig = LoggingConfig()


def resolve_path(cli_path: str | None) -> Path:
    """The config path: --config, else $TOUCHWHEEL_CONFIG, else ./config.toml."""
    if cli_path:
        return Path(cli_path)
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    return DEFAULT_CONFIG_PATH


def load_config(
    path: Path, environ: dict[str, str] | None = None, *, need_token: bool = True
) -> Config:
    """Read and validate the config; raise ConfigError with one readable line. Tools that do
    not talk to Telegram (backup) pass need_token=False."""
    env = os.environ if environ is None else environ
    if not path.is_file():
        raise ConfigError(
            f"{path}: config file not found; copy config.example.toml to {path} "
            f"(or pass --config PATH / set {CONFIG_ENV}) and put your bot token in it"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    if token := env.get(TOKEN_ENV):
        raw.setdefault("telegram", {})
        if isinstance(raw["telegram"], dict):
            raw["telegram"]["token"] = token
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise ConfigError(f"{path}: [{key}] {message}") from None
    if need_token and not config.telegram.token.get_secret_value():
        raise ConfigError(
            f"{path}: [telegram.token] is missing; set it to the token from @BotFather "
            f"or export {TOKEN_ENV}"
        )
    if config.telegram.mode is Mode.WEBHOOK and not config.webhook.url:
        raise ConfigError(f"{path}: [webhook.url] is required when telegram.mode = 'webhook'")
    return config
