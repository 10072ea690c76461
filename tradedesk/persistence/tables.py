"""The tables, one class per table; the alembic migrations are the schema's source of truth."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from tradedesk.persistence.types import UTCDateTime

# Named constraints, so migrations can drop and alter them on PostgreSQL and SQLite alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utc(*, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=False, index=index)


class PlanRow(SQLModel, table=True):
    """A subscription plan; private plans are sold by hand and never listed."""

    __tablename__ = "plans"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=64, unique=True)
    monthly_price_usd: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    max_balance_usd: int
    max_api_key: int
    strategy_automated: bool
    public: bool = True
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class RiskProfileRow(SQLModel, table=True):
    __tablename__ = "risk_profiles"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=64, unique=True)
    percentage: Decimal = Field(sa_column=Column(Numeric(6, 3), nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class StrategyRow(SQLModel, table=True):
    __tablename__ = "strategies"

    id: str = Field(primary_key=True, max_length=36)
    active: bool = True
    name: str = Field(max_length=120, unique=True)
    description: str | None = None
    exchange_id: str = Field(max_length=32)
    symbol: str = Field(max_length=32)
    # signals published so far: each takes the next number, under the row's write lock
    signals_published: int = Field(
        default=0, sa_column=Column(Integer(), nullable=False, server_default="0")
    )
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class StrategyTradeRow(SQLModel, table=True):
    """A closed trade of a strategy; `result` is its gain or loss as a fraction of equity."""

    __tablename__ = "strategy_trades"
    __table_args__ = (Index("ix_strategy_trades_strategy_closed", "strategy_id", "closed_at"),)

    id: str = Field(primary_key=True, max_length=36)
    strategy_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("strategies.id", ondelete="CASCADE"), nullable=False
        )
    )
    side: str = Field(max_length=8)
    entry_price: Decimal = Field(sa_column=Column(Numeric(24, 8), nullable=False))
    exit_price: Decimal = Field(sa_column=Column(Numeric(24, 8), nullable=False))
    opened_at: datetime = Field(sa_column=_utc())
    closed_at: datetime = Field(sa_column=_utc())
    result: float


class UserRow(SQLModel, table=True):
    """A person, known by the identity provider's subject; the profile lives on the same row."""

    __tablename__ = "users"

    id: str = Field(primary_key=True, max_length=36)
    subject: str = Field(max_length=255, unique=True)
    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=255)
    first_name: str | None = Field(default=None, max_length=50)
    last_name: str | None = Field(default=None, max_length=50)
    country: str | None = Field(default=None, max_length=2)
    language: str | None = Field(default=None, max_length=2)
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


def _user_key() -> Column:
    return Column(
        String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, nullable=False
    )


class NotificationMethodRow(SQLModel, table=True):
    """How a user is reached: Telegram, once linked with the auth code."""

    __tablename__ = "notification_methods"

    user_id: str = Field(sa_column=_user_key())
    telegram_auth_code: str = Field(max_length=16, unique=True)
    telegram_code_issued_at: datetime = Field(sa_column=_utc())  # a code links for 24 hours
    telegram_chat_id: str | None = Field(default=None, max_length=64, index=True)
    telegram_active: bool = False
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class NotificationSettingsRow(SQLModel, table=True):
    """Which alerts and reports a user wants, by channel."""

    __tablename__ = "notification_settings"

    user_id: str = Field(sa_column=_user_key())
    weekly_report: bool
    monthly_report: bool
    email_new_order: bool
    email_take_profit: bool
    email_stop_loss: bool
    telegram_new_order: bool
    telegram_take_profit: bool
    telegram_stop_loss: bool
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class ExchangeKeyRow(SQLModel, table=True):
    """A user's exchange API key. The secret is sealed (Fernet) with the key named by
    `secret_key_id`; `balance_usd` is the value last read from the exchange."""

    __tablename__ = "exchange_keys"

    id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    exchange_id: str = Field(max_length=16)
    trade_type: str = Field(max_length=16)
    strategy_type: str = Field(max_length=16)
    name: str = Field(max_length=25)
    api_key: str = Field(max_length=128, unique=True)
    secret_token: str = Field(sa_column=Column(Text(), nullable=False))
    secret_key_id: str = Field(max_length=16)
    active: bool
    api_key_status: str = Field(max_length=16)
    ip_restricted: bool
    balance_usd: Decimal = Field(sa_column=Column(Numeric(24, 8), nullable=False))
    balance_checked_at: datetime = Field(sa_column=_utc())
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class BalanceSnapshotRow(SQLModel, table=True):
    """An active key's total USD as the daily job found it; one row per key and UTC day."""

    __tablename__ = "balance_snapshots"

    key_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("exchange_keys.id", ondelete="CASCADE"),
            primary_key=True,
            nullable=False,
        )
    )
    day: date = Field(sa_column=Column(Date(), primary_key=True, nullable=False))
    total_usd: Decimal = Field(sa_column=Column(Numeric(24, 8), nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class ManualTradeRow(SQLModel, table=True):
    """A manual order as placed, for the user's history and for replaying an idempotent retry.
    `key_id` is no foreign key: the history outlives a deleted key."""

    __tablename__ = "manual_trades"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_manual_trades_user_created", "user_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    key_id: str = Field(max_length=36)
    idempotency_key: str | None = Field(default=None, max_length=64)
    placed: bool = False  # False while the order is being placed
    symbol: str = Field(max_length=32)
    order_id: str | None = Field(default=None, max_length=64)
    price: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 8), nullable=True))
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 8), nullable=True))
    cost: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 8), nullable=True))
    stop: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 8), nullable=True))
    stop_type: str | None = Field(default=None, max_length=8)
    take_profit: str = Field(default="[]", sa_column=Column(Text(), nullable=False))
    callback_rate: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(8, 4), nullable=True)
    )
    risk_profile_percent: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(8, 4), nullable=True)
    )
    orders: str = Field(default="[]", sa_column=Column(Text(), nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class ProtectedTradeRow(SQLModel, table=True):
    """A trade the protection keeper follows: its exit plan and what it knows of the legs.
    Deleting the key deletes it: nobody can trade on a deleted key."""

    __tablename__ = "protected_trades"
    __table_args__ = (Index("ix_protected_trades_key_symbol", "key_id", "symbol"),)

    id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    key_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("exchange_keys.id", ondelete="CASCADE"), nullable=False
        )
    )
    symbol: str = Field(max_length=32)
    prefix: str = Field(max_length=32)
    side: str = Field(max_length=4)
    amount: Decimal = Field(sa_column=Column(Numeric(24, 8), nullable=False))
    take_profit_prices: str = Field(sa_column=Column(Text(), nullable=False))  # JSON strings
    stop_trigger_price: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(24, 8), nullable=True)
    )
    stop_price: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(24, 8), nullable=True)
    )
    breakeven_after: int | None = None
    callback_rate: Decimal | None = Field(  # the trailing stop's, in percent
        default=None, sa_column=Column(Numeric(8, 4), nullable=True)
    )
    open: bool = Field(index=True)
    closed_reason: str | None = Field(default=None, max_length=64)
    generation: int = 0
    sized_to: Decimal = Field(sa_column=Column(Numeric(24, 8), nullable=False))
    entry_final: bool = False
    live_legs: str = Field(sa_column=Column(Text(), nullable=False))  # JSON {leg: client id}
    ended_legs: str = Field(sa_column=Column(Text(), nullable=False))  # JSON {leg: how}
    lease_owner: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class StrategyFollowRow(SQLModel, table=True):
    """A key copying a strategy. One per key and symbol; deleting the key stops it."""

    __tablename__ = "strategy_follows"
    __table_args__ = (UniqueConstraint("key_id", "symbol"),)

    id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    key_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("exchange_keys.id", ondelete="CASCADE"), nullable=False
        )
    )
    strategy_id: str = Field(
        sa_column=Column(String(36), ForeignKey("strategies.id"), nullable=False, index=True)
    )
    risk_profile_id: str = Field(
        sa_column=Column(String(36), ForeignKey("risk_profiles.id"), nullable=False)
    )
    symbol: str = Field(max_length=32)
    active: bool
    max_leverage: int | None = None
    daily_loss_limit_percent: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(6, 2), nullable=True)
    )
    paused_reason: str | None = Field(default=None, max_length=128)
    sizing: str = Field(
        default="RISK", sa_column=Column(String(16), nullable=False, server_default="RISK")
    )
    notional_usdt: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(20, 8), nullable=True)
    )
    equity_percent: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(12, 6), nullable=True)
    )
    max_notional_usdt: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(20, 8), nullable=True)
    )
    direction: str = Field(
        default="BOTH", sa_column=Column(String(12), nullable=False, server_default="BOTH")
    )
    max_entry_slippage_percent: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(12, 6), nullable=True)
    )
    portfolio_stop_percent: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(12, 6), nullable=True)
    )
    high_water_usd: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(20, 8), nullable=True)
    )
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class SignalRow(SQLModel, table=True):
    """A strategy signal as accepted: the trigger every follower's copy is made from."""

    __tablename__ = "signals"

    id: str = Field(primary_key=True, max_length=36)
    strategy_id: str = Field(
        sa_column=Column(String(36), ForeignKey("strategies.id"), nullable=False, index=True)
    )
    action: str = Field(max_length=8)
    side: str | None = Field(default=None, max_length=4)
    entry_type: str = Field(max_length=8)
    price: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 8), nullable=True))
    stop_price: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(24, 8), nullable=True)
    )
    stop_type: str = Field(max_length=8)
    take_profit_prices: str = Field(sa_column=Column(Text(), nullable=False))  # JSON strings
    callback_rate: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(8, 4), nullable=True)
    )
    reference_price: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(24, 8), nullable=True)
    )
    breakeven_after: int | None = None
    created_by: str = Field(max_length=64)  # a user id, or webhook:<strategy id>
    created_at: datetime = Field(sa_column=_utc())


class SignalCopyRow(SQLModel, table=True):
    """One follower's copy of a signal: a job until it is done, then its record. `key_id`
    and `follow_id` are no foreign keys: the record outlives a deleted key or follow."""

    __tablename__ = "signal_copies"
    __table_args__ = (
        UniqueConstraint("signal_id", "follow_id"),
        Index("ix_signal_copies_status_not_before", "status", "not_before"),
        Index("ix_signal_copies_user_created", "user_id", "created_at"),
        Index("ix_signal_copies_follow_status", "follow_id", "status", "sequence"),
    )

    id: str = Field(primary_key=True, max_length=36)
    signal_id: str = Field(
        sa_column=Column(String(36), ForeignKey("signals.id", ondelete="CASCADE"), nullable=False)
    )
    follow_id: str = Field(max_length=36)
    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    key_id: str = Field(max_length=36)
    symbol: str = Field(max_length=32)
    risk_profile_percent: Decimal = Field(sa_column=Column(Numeric(8, 4), nullable=False))
    status: str = Field(max_length=8)
    reason: str | None = Field(default=None, max_length=255)
    reason_code: str | None = Field(default=None, max_length=24)
    # the signal's place among its strategy's signals: a follow's copies run in this order
    sequence: int = Field(
        default=0, sa_column=Column(Integer(), nullable=False, server_default="0")
    )
    attempts: int = 0
    not_before: datetime = Field(sa_column=_utc())
    lease_owner: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    order_id: str | None = Field(default=None, max_length=64)
    price: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 8), nullable=True))
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 8), nullable=True))
    cost: Decimal | None = Field(default=None, sa_column=Column(Numeric(24, 8), nullable=True))
    leverage: int | None = None
    latency_ms: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    slippage_bps: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(12, 2), nullable=True)
    )
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class StrategyWebhookSecretRow(SQLModel, table=True):
    """The sealed secret a charting tool signs a strategy's webhook deliveries with."""

    __tablename__ = "strategy_webhook_secrets"

    strategy_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("strategies.id", ondelete="CASCADE"), primary_key=True
        )
    )
    secret_key_id: str = Field(max_length=64)
    secret_token: str = Field(sa_column=Column(Text(), nullable=False))
    created_at: datetime = Field(sa_column=_utc())


class WebhookReceiptRow(SQLModel, table=True):
    """A webhook delivery accepted, by its signature: a replay answers the same signal."""

    __tablename__ = "webhook_receipts"

    strategy_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("strategies.id", ondelete="CASCADE"), primary_key=True
        )
    )
    signature: str = Field(sa_column=Column(String(80), primary_key=True))
    signal_id: str = Field(max_length=36)
    received_at: datetime = Field(sa_column=_utc())


class ReferenceTradeRow(SQLModel, table=True):
    """The open trade of a strategy's reference account (at most one per strategy)."""

    __tablename__ = "reference_trades"

    strategy_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("strategies.id", ondelete="CASCADE"), primary_key=True
        )
    )
    side: str = Field(max_length=4)
    entry_price: Decimal = Field(sa_column=Column(Numeric(24, 8), nullable=False))
    stop_price: Decimal = Field(sa_column=Column(Numeric(24, 8), nullable=False))
    take_profits: str = Field(sa_column=Column(Text(), nullable=False))  # JSON strings
    rungs: int
    open_share: Decimal = Field(sa_column=Column(Numeric(20, 18), nullable=False))
    result: Decimal = Field(sa_column=Column(Numeric(20, 18), nullable=False))
    exit_value: Decimal = Field(sa_column=Column(Numeric(30, 18), nullable=False))
    opened_at: datetime = Field(sa_column=_utc())
    filled: bool = True  # False while a LIMIT entry waits for the market


class SubscriptionRow(SQLModel, table=True):
    """A user's Stripe subscription as Stripe last showed it (a cache of Stripe's truth)."""

    __tablename__ = "subscriptions"

    id: str = Field(primary_key=True, max_length=255)  # Stripe's sub_...
    user_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    customer_id: str = Field(max_length=255)
    plan_id: str = Field(sa_column=Column(String(36), ForeignKey("plans.id"), nullable=False))
    status: str = Field(max_length=32)
    cancel_at_period_end: bool
    cancel_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    current_period_start: datetime = Field(sa_column=_utc())
    current_period_end: datetime = Field(sa_column=_utc())
    trial_start: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    trial_end: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    amount: int
    currency: str = Field(max_length=3)
    interval: str = Field(max_length=8)
    trial_period_days: int | None = None
    created_at: datetime = Field(sa_column=_utc())


class StripeEventRow(SQLModel, table=True):
    """A Stripe event already acted on: a replayed delivery changes nothing."""

    __tablename__ = "stripe_events"

    id: str = Field(primary_key=True, max_length=255)  # Stripe's evt_...
    type: str = Field(max_length=64)
    claim: str = Field(max_length=36)  # who claimed it, so racing twins tell who won
    received_at: datetime = Field(sa_column=_utc())


class BillingCustomerRow(SQLModel, table=True):
    """A user's Stripe customer."""

    __tablename__ = "billing_customers"

    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    customer_id: str = Field(max_length=255, unique=True)
    created_at: datetime = Field(sa_column=_utc())


class AlertRow(SQLModel, table=True):
    """An alert to send (the outbox), written with the trade event or copying notice that
    causes it. A notice's `cause` is told once per user and channel."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_due", "status", "not_before"),
        Index("ix_alerts_user_channel_cause", "user_id", "channel", "cause", unique=True),
    )

    id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    channel: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    key_id: str = Field(max_length=36)  # no foreign key: the alert outlives a deleted key
    symbol: str = Field(max_length=32)
    side: str = Field(max_length=4)
    amount: float | None = None
    price: float | None = None
    realized_pnl: float | None = None
    order_id: str = Field(max_length=64)
    occurred_at: datetime = Field(sa_column=_utc())
    status: str = Field(max_length=8)
    attempts: int = 0
    not_before: datetime = Field(sa_column=_utc())
    lease_owner: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    reason: str | None = Field(default=None, max_length=255)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    detail: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    cause: str | None = Field(default=None, max_length=160)  # a notice's; none for trades


class ExitFillRow(SQLModel, table=True):
    """A take profit or stop of a followed trade that filled, with the profit it realised:
    what reports count trades, wins and PnL from."""

    __tablename__ = "exit_fills"
    __table_args__ = (Index("ix_exit_fills_user_at", "user_id", "at"),)

    id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    key_id: str = Field(max_length=36)
    trade_id: str = Field(max_length=36)  # the protected trade (a copy's id for a copy)
    kind: str = Field(max_length=16)
    amount: float | None = None
    price: float | None = None
    realized_pnl: float | None = None
    at: datetime = Field(sa_column=_utc())


class ReportSentRow(SQLModel, table=True):
    """A report claimed for sending (and then sent): one per user and period, ever."""

    __tablename__ = "reports_sent"

    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    period: str = Field(primary_key=True, max_length=16)
    status: str = Field(max_length=8)  # SENDING, SENT
    claimed_by: str = Field(max_length=36)
    claimed_at: datetime = Field(sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
