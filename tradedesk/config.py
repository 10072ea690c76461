"""Runtime configuration: one pydantic-settings class, every knob an environment variable.

Variables are `TRADEDESK_<FIELD>` (case-insensitive) plus the conventional `DATABASE_URL`.
Unknown `TRADEDESK_*` variables are ignored so operators can roll config ahead of code.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import limits
import platformdirs
from cryptography.fernet import Fernet
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tradedesk.domain.errors import InvalidValue
from tradedesk.domain.market.model import TradeType, parse_symbol

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
    database_statement_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long the service waits for PostgreSQL to answer one statement before "
        "it gives the connection up and answers 503: a database that goes silent (a network "
        "partition drops packets, no reset) must not hold a request or a worker forever.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"
    log_format: Literal["json", "console"] | None = Field(
        default=None,
        description="json or console; unset, readable lines on a terminal and JSON otherwise.",
    )
    public_cache_ttl_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long public data (plans, risk profiles, strategies) is served from "
        "memory before it is re-read, so changes made by another process show up.",
    )
    results_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        description="How long a GraphQL result of the strategies' published results (history, "
        "performance) is served to every reader before it is computed again; a closed trade "
        "shows within it. 0 computes it for every request.",
    )
    paper_seed: int = Field(default=7, description="Seed of the paper market feed's random walk.")
    paper_prices: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_PAPER_PRICES),
        description="JSON object: symbol -> price the paper feed walks around.",
    )
    paper_opening_usdt: Decimal = Field(
        default=Decimal(1000),
        gt=0,
        description="USDT credited to each wallet of a paper account when its key is first used.",
    )
    worker_metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Where `tradedesk worker` serves its Prometheus metrics (on TRADEDESK_HOST); "
        "unset, it serves none.",
    )
    copy_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a batch of copies is leased to one dispatcher; renewed every "
        "third of it while the batch runs, so only a dispatcher that died or stalled hands its "
        "copies on, after this long.",
    )
    shutdown_grace_seconds: float = Field(
        default=20.0,
        ge=0,
        description="On SIGTERM, how long requests and job rounds in flight may take to finish.",
    )
    graphql_document_cache_size: int = Field(default=512, ge=1)
    graphql_max_depth: int = Field(
        default=10, ge=1, description="Deepest field nesting a GraphQL document may ask for."
    )
    graphql_introspection: bool = Field(
        default=True, description="Whether GraphQL introspection (__schema, __type) answers."
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body accepted; a larger one is refused with 413 before "
        "it is read.",
    )
    exchange: Literal["paper", "binance"] = Field(
        default="paper",
        description="paper: the in-process paper market; binance: Binance through ccxt.",
    )
    binance_urls: str | None = Field(
        default=None,
        description="One base URL that every ccxt Binance API host is moved onto (e.g. the "
        "paper exchange's Binance-compatible facade).",
    )
    exchange_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long one exchange request may take before it counts as unanswered.",
    )
    binance_sandbox: bool = Field(
        default=False, description="Use Binance's testnet (ccxt's sandbox mode)."
    )
    exchange_streams: bool = Field(
        default=True,
        description="Learn of fills, triggers and positions from the accounts' user-data "
        "streams as they happen (the paper exchange's events in-process); false: by polling.",
    )
    exchange_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated http(s) proxy URLs every exchange call leaves through; "
        "each key sticks to one of them.",
    )
    exchange_ip_share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="The share of each egress IP's Binance request weight this process "
        "spends. With TRADEDESK_REDIS_URL every process spends from the same shared budget, so "
        "leave it at 1; without Redis, several processes behind the same IPs set 1 / their "
        "number.",
    )
    exchange_ip_weight_per_minute: dict[TradeType, int] = Field(
        default_factory=dict,
        description="JSON object: FUTURES or SPOT -> the request weight an egress IP may "
        "spend a minute, where it is not Binance's own (2,400 and 6,000): when Binance "
        "changes them (spot went from 1,200 to 6,000 in 2023) or for a venue that counts "
        "otherwise.",
    )
    ticker_ttl: float = Field(
        default=2.0, ge=0, description="Seconds a fetched ticker is served to every reader."
    )
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("tradedesk")),
        description="Where local state lives (the dev issuer's signing key, the key that seals "
        "exchange secrets): the user's data directory, never a checkout, unless set.",
    )

    # Identity: a Cognito user pool in production; unset, a local dev issuer signs tokens.
    auth_issuer: str | None = None
    auth_jwks_url: str | None = Field(
        default=None, description="Defaults to <issuer>/.well-known/jwks.json."
    )
    auth_client_id: str | None = None
    auth_token_use: Literal["access", "id"] = "access"
    auth_api_url: str | None = Field(
        default=None,
        description="Cognito's API endpoint, where an access token's e-mail is asked (GetUser); "
        "defaults to the issuer's host.",
    )

    secret_key: SecretStr | None = Field(
        default=None,
        description="Comma-separated Fernet keys sealing exchange secrets, newest first; unset, "
        "a key is made in TRADEDESK_DATA_DIR.",
    )
    snapshot_interval_seconds: float = Field(
        default=3600,
        ge=0,
        description="How often `serve` (and `worker`) looks for keys without today's balance "
        "snapshot; 0 leaves it to `tradedesk worker`.",
    )
    key_list_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        description="How long a user's key list, once read, is served from memory. A change "
        "made through this app is seen at once (in other `serve` processes through Redis); "
        "one made elsewhere (SQL, a `worker` without Redis) within this bound. 0 reads the "
        "database every time.",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://... : signals' copies go to `tradedesk worker` processes through a"
        " taskiq queue on this Redis, and live subscriptions reach every server process through"
        " its pub/sub; unset, `serve` runs them in process.",
    )
    protection_poll_seconds: float = Field(
        default=5,
        ge=0,
        description="How often `serve` (and `worker`) checks the open trades' entries and "
        "exits on the exchange, to size the exits to what filled; 0 leaves it to `worker`.",
    )
    fill_poll_seconds: float = Field(
        default=10,
        gt=0,
        description="The longest a take-profit or stop fill goes unnoticed (and unalerted): the "
        "keeper, which detects fills, runs at the smaller of this and the protection poll.",
    )
    default_plan: str = Field(
        default="FREE", description="The plan of a user without a subscription."
    )

    rate_limit_read: str = Field(
        default="300/minute",
        description="Each caller's budget of reads (per bearer token, per IP when anonymous), "
        "in the `limits` library's notation.",
    )
    rate_limit_write: str = Field(
        default="60/minute",
        description="Each caller's budget of writes (REST POST/PUT/PATCH/DELETE, GraphQL "
        "mutations).",
    )
    rate_limit_exchange: str = Field(
        default="120/minute",
        description="Each caller's budget of v1 requests that reach the exchange (tickers, "
        "balances, orders, positions), on top of the read or write budget.",
    )
    rate_limit_ip: str = Field(
        default="1200/minute",
        description="Each IP's budget of authenticated requests, whatever the tokens.",
    )

    # reCAPTCHA v3 on every write; off unless a secret is set.
    recaptcha_secret: SecretStr | None = None
    recaptcha_verify_url: str = "https://www.google.com/recaptcha/api/siteverify"
    recaptcha_min_score: float = Field(default=0.5, ge=0, le=1)
    recaptcha_action: str | None = None
    recaptcha_hostname: str | None = None

    # Stripe billing; unset, checkout is refused (2100) and everyone has the default plan.
    stripe_api_key: SecretStr | None = None
    stripe_api_base: str = Field(
        default="https://api.stripe.com", description="Where the Stripe SDK sends API calls."
    )
    stripe_webhook_secret: SecretStr | None = Field(
        default=None, description="The `whsec_...` that signs Stripe's webhook deliveries."
    )
    checkout_success_url: str = Field(
        default="http://localhost:3000/account/subscription",
        description="Where Stripe Checkout sends a user who subscribed.",
    )
    checkout_cancel_url: str = Field(
        default="http://localhost:3000/account/subscription",
        description="Where Stripe Checkout sends a user who turned back.",
    )

    telegram_bot_url: str = "https://t.me/TradedeskAlertsBot"
    smtp_url: SecretStr | None = Field(
        default=None,
        description="smtp://[user:pass@]host:port (smtps:// for TLS from the start); unset, "
        "no e-mail is sent.",
    )
    mail_from: str = Field(
        default="Tradedesk <alerts@tradedesk.local>", description="The From of alert e-mails."
    )
    alert_poll_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often `serve` (and `worker`) sends due alerts; 0 leaves it to `worker`.",
    )
    telegram_bot_token: SecretStr | None = Field(
        default=None, description="The bot's token from BotFather; unset, the bot is off."
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="The Bot API's base URL; the bot calls `<url>/bot<token>/<method>`.",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        description="What Telegram sends as X-Telegram-Bot-Api-Secret-Token to /webhooks/telegram.",
    )
    whitelist_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated IPs of the proxies users whitelist on their exchange keys.",
    )
    tradingview_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses or networks that may deliver TradingView "
        "alerts to /webhooks/tradingview/<id>; empty, any sender (the secret still decides).",
    )
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="Comma-separated addresses or networks of the load balancers whose "
        "X-Forwarded-For and X-Forwarded-Proto `serve` believes, or * for any peer.",
    )

    @field_validator("rate_limit_read", "rate_limit_write", "rate_limit_exchange", "rate_limit_ip")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            rate = limits.parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate such as 300/minute") from None
        if rate.amount < 1:
            raise ValueError(f"{value!r} admits nothing: a budget is at least 1")
        return value

    @field_validator("exchange_proxies")
    @classmethod
    def _proxy_urls(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            url = urlsplit(proxy)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise ValueError(f"{proxy!r} is not an http(s):// proxy URL")
        return proxies

    @field_validator(
        "whitelist_ips",
        "exchange_proxies",
        "forwarded_allow_ips",
        "tradingview_allow_ips",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("whitelist_ips")
    @classmethod
    def _ip_addresses(cls, ips: list[str]) -> list[str]:
        for ip in ips:
            ipaddress.ip_address(ip)  # ValueError names the bad one
        return ips

    @field_validator("forwarded_allow_ips", "tradingview_allow_ips")
    @classmethod
    def _networks(cls, entries: list[str], info: ValidationInfo) -> list[str]:
        """Addresses and networks (host bits clear), as uvicorn reads them; the trusted
        balancers may also be `*` alone."""
        if info.field_name == "forwarded_allow_ips" and entries == ["*"]:
            return entries
        if "*" in entries:
            raise ValueError("* trusts every peer: give it alone, and only for balancers")
        for entry in entries:
            ipaddress.ip_network(entry)  # ValueError names the bad one (10.0.0.1/8 too)
        return entries

    @model_validator(mode="after")
    def _issuer_needs_a_client(self) -> Settings:
        if self.auth_issuer and not self.auth_client_id:
            raise ValueError("TRADEDESK_AUTH_CLIENT_ID is required with TRADEDESK_AUTH_ISSUER")
        return self

    @field_validator("secret_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            if not secret_keys(value):
                raise ValueError("give at least one key")
            for key in secret_keys(value):
                try:
                    Fernet(key)
                except ValueError:
                    raise ValueError("each key must be 32 url-safe base64-encoded bytes") from None
        return value

    @property
    def egress_ips(self) -> list[str]:
        """The IPs users whitelist on their keys: the platform calls from its proxies', unless
        TRADEDESK_WHITELIST_IPS says otherwise (a proxy behind NAT)."""
        if self.whitelist_ips:
            return self.whitelist_ips
        hosts = [urlsplit(proxy).hostname or "" for proxy in self.exchange_proxies]
        return [host for host in hosts if _is_ip(host)]

    @property
    def keeper_interval(self) -> float:
        """How often the protection keeper (which also detects fills) runs in `worker`; in
        `serve` only while TRADEDESK_PROTECTION_POLL_SECONDS is not 0."""
        return min(self.protection_poll_seconds or self.fill_poll_seconds, self.fill_poll_seconds)

    @property
    def cognito_api_url(self) -> str | None:
        """Where GetUser is asked: TRADEDESK_AUTH_API_URL, else the issuer's scheme and host."""
        if self.auth_api_url:
            return self.auth_api_url
        if not self.auth_issuer:
            return None
        issuer = urlsplit(self.auth_issuer)
        return f"{issuer.scheme}://{issuer.netloc}"

    @property
    def jwks_url(self) -> str | None:
        if self.auth_jwks_url:
            return self.auth_jwks_url
        return f"{self.auth_issuer.rstrip('/')}/.well-known/jwks.json" if self.auth_issuer else None

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

    @field_validator("exchange_ip_weight_per_minute")
    @classmethod
    def _weights(cls, weights: dict[TradeType, int]) -> dict[TradeType, int]:
        for trade_type, weight in weights.items():
            if weight < 1:
                raise ValueError(f"{trade_type.value}'s weight must be at least 1")
        return weights

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


def secret_keys(value: SecretStr) -> list[str]:
    return [part.strip() for part in value.get_secret_value().split(",") if part.strip()]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def load_settings(**overrides: Any) -> Settings:
    """Read the environment; turn a validation failure into one line an operator can act on."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(_problem(err["loc"], err["msg"]) for err in exc.errors())
        raise ConfigurationError(f"invalid configuration: {problems}") from None


def _problem(loc: tuple[int | str, ...], msg: str) -> str:
    """`TRADEDESK_PORT: Input should be ...`, naming the variable an operator sets."""
    msg = msg.removeprefix("Value error, ")
    if not loc:
        return msg
    field = str(loc[0]).upper()
    if field in ("DATABASE_URL", "TRADEDESK_DATABASE_URL"):
        return f"DATABASE_URL: {msg}"
    return f"{field if field.startswith('TRADEDESK_') else 'TRADEDESK_' + field}: {msg}"
