"""Typed configuration, one pydantic model per section: the defaults, then config.toml when
there is one, then the environment (`TOUCHWHEEL_<SECTION>__<KEY>`, and `BOT_TOKEN`)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsError

DEFAULT_CONFIG_PATH = Path("config.toml")
CONFIG_ENV = "TOUCHWHEEL_CONFIG"
TOKEN_ENV = "BOT_TOKEN"
# Every key can be set as TOUCHWHEEL_<SECTION>__<KEY> (TOUCHWHEEL_WORKSHOP__MIN_RATERS=2).
ENV_PREFIX = "TOUCHWHEEL_"
ENV_NESTING = "__"
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


class MetricsConfig(_Section):
    # Polling mode only (webhook mode serves /metrics beside /healthz): 0 = no server.
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 0


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
    metrics: MetricsConfig = MetricsConfig()


def resolve_path(cli_path: str | None) -> Path:
    """The config path: --config, else $TOUCHWHEEL_CONFIG, else ./config.toml."""
    if cli_path:
        return Path(cli_path)
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    return DEFAULT_CONFIG_PATH


def env_name(key: str) -> str:
    """The environment variable of a dotted key: workshop.min_raters ->
    TOUCHWHEEL_WORKSHOP__MIN_RATERS."""
    return ENV_PREFIX + ENV_NESTING.join(key.split(".")).upper()


def from_environment(environ: Mapping[str, str]) -> dict[str, dict[str, object]]:
    """The keys the environment sets, by section (pydantic-settings reads the names)."""
    source = EnvSettingsSource(
        # It reads only the fields: Config stays a plain model (the file comes first).
        cast("type[BaseSettings]", Config),
        case_sensitive=False,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTING,
    )
    # The variables it reads (a test hands in its own); an empty one counts as unset.
    source.env_vars = {name.lower(): value for name, value in environ.items() if value}
    try:
        sections = source()
    except SettingsError as exc:  # TOUCHWHEEL_TELEGRAM=… (a section, and no JSON object)
        raise ConfigError(
            f"environment: {exc}; set one key at a time, as {ENV_PREFIX}<SECTION>"
            f"{ENV_NESTING}<KEY>"
        ) from None
    found: dict[str, dict[str, object]] = {}
    for section, keys in sections.items():
        if not isinstance(keys, dict):
            raise ConfigError(
                f"environment {env_name(section)}: set one key at a time, as "
                f"{env_name(section)}{ENV_NESTING}<KEY>"
            )
        found[section] = keys
    if token := environ.get(TOKEN_ENV):
        found.setdefault("telegram", {}).setdefault("token", token)
    return found


def load_config(
    path: Path, environ: Mapping[str, str] | None = None, *, need_token: bool = True
) -> Config:
    """Read and validate the config; raise ConfigError with one readable line. Without a
    file at the default path the defaults apply; the environment wins over the file
    (TOUCHWHEEL_TELEGRAM__TOKEN over BOT_TOKEN). Tools that do not talk to Telegram
    (backup) pass need_token=False."""
    env = os.environ if environ is None else environ
    found = path.is_file()
    if not found and path != DEFAULT_CONFIG_PATH:
        raise ConfigError(
            f"{path}: config file not found; copy config.example.toml to {path} "
            f"(or pass --config PATH / set {CONFIG_ENV}), or configure by environment"
        )
    raw: dict[str, object] = {}
    if found:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: malformed TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from exc
    where = str(path) if found else "environment"
    overrides = from_environment(env)
    for section, keys in overrides.items():
        in_file = raw.get(section)
        raw[section] = {**in_file, **keys} if isinstance(in_file, dict) else keys
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        loc = first["loc"]
        if len(loc) >= 2 and loc[1] in overrides.get(str(loc[0]), {}):
            given = TOKEN_ENV if key == "telegram.token" and _token_from(env) else env_name(key)
            where = f"environment {given}"
        raise ConfigError(f"{where}: [{key}] {message}") from None
    if need_token and not config.telegram.token.get_secret_value():
        if found:
            raise ConfigError(
                f"{path}: [telegram.token] is missing; set it to the token from @BotFather "
                f"or export {TOKEN_ENV}"
            )
        raise ConfigError(
            f"no bot token: export {TOKEN_ENV} (the token from @BotFather), or copy "
            f"config.example.toml to {path} and put the token in it"
        )
    if config.telegram.mode is Mode.WEBHOOK and not config.webhook.url:
        raise ConfigError(f"{where}: [webhook.url] is required when telegram.mode = 'webhook'")
    return config


def _token_from(environ: Mapping[str, str]) -> bool:
    """Whether the token came from BOT_TOKEN (no TOUCHWHEEL_TELEGRAM__TOKEN beside it)."""
    names = {name.upper() for name in environ}
    return TOKEN_ENV in names and env_name("telegram.token") not in names
