"""Runtime configuration: one pydantic-settings class, every knob an environment variable.

Variables are `TRADEDESK_<FIELD>` (case-insensitive) plus the conventional `DATABASE_URL`.
Unknown `TRADEDESK_*` variables are ignored so operators can roll config ahead of code.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tradedesk.domain.errors import InvalidValue
from tradedesk.domain.market import parse_symbol

DEFAULT_PAPER_PRICES = {"BTC/USDT": 19700.0, "ETH/USDT": 1330.0, "BNB/USDT": 275.0}


class ConfigurationError(Exception):
    """Raised at start-up when the environment describes an unusable configuration."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRADEDESK_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///./tradedesk.db",
        validation_alias=AliasChoices("DATABASE_URL", "TRADEDESK_DATABASE_URL"),
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"
    public_cache_ttl_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long public data (plans, risk profiles, strategies) is served from "
        "memory before it is re-read, so changes made by another process show up.",
    )
    paper_seed: int = Field(default=7, description="Seed of the paper market feed's random walk.")
    paper_prices: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_PAPER_PRICES),
        description="JSON object: symbol -> price the paper feed walks around.",
    )
    graphql_document_cache_size: int = Field(default=512, ge=1)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        if url.startswith("postgresql://"):
            url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
        if url.startswith("sqlite://"):
            url = "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return url

    @field_validator("paper_prices")
    @classmethod
    def _positive_prices(cls, prices: dict[str, float]) -> dict[str, float]:
        if not prices:
            raise ValueError("must list at least one symbol")
        for symbol, price in prices.items():
            try:
                parse_symbol(symbol)
            except InvalidValue:
                raise ValueError(f"{symbol!r} is not a symbol like BTC/USDT") from None
            if price <= 0:
                raise ValueError(f"price of {symbol} must be positive")
        return prices

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        raw = self.database_url.split(":///", 1)[1] if ":///" in self.database_url else ""
        return Path(raw) if raw and raw != ":memory:" else None


def load_settings(**overrides: object) -> Settings:
    """Read the environment; turn a validation failure into one line an operator can act on."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{_variable_name(err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigurationError(f"invalid configuration: {problems}") from None


def _variable_name(loc: tuple[int | str, ...]) -> str:
    field = str(loc[0]) if loc else "settings"
    if field.upper() == "DATABASE_URL":
        return "DATABASE_URL"
    return field.upper() if field.upper().startswith("TRADEDESK_") else f"TRADEDESK_{field.upper()}"
