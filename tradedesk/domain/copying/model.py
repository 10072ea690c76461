"""Follows, the copies of signals they receive, and how each copy went."""

from __future__ import annotations

import hashlib
import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tradedesk.domain.catalog.model import RiskProfile, Strategy
from tradedesk.domain.copying_notices import CopyingNotice
from tradedesk.domain.market.exchange import Order, OrderSide
from tradedesk.domain.numbers import as_float
from tradedesk.domain.strategies.model import Signal
from tradedesk.domain.trade_events import TradeEvent
from tradedesk.domain.trading.exits import ExitPlan
from tradedesk.domain.trading.model import ProtectedTrade, protected_trade


class FollowSizing(StrEnum):
    """How big each copy is. RISK: hitting the stop loses the risk profile's share of equity;
    FIXED_NOTIONAL: `notional_usdt` of notional; EQUITY_PERCENT: `equity_percent` % of the
    key's futures equity as notional."""

    RISK = "RISK"
    FIXED_NOTIONAL = "FIXED_NOTIONAL"
    EQUITY_PERCENT = "EQUITY_PERCENT"


class FollowDirection(StrEnum):
    """Which of the strategy's trades a follow copies."""

    BOTH = "BOTH"
    LONG_ONLY = "LONG_ONLY"
    SHORT_ONLY = "SHORT_ONLY"

    def admits(self, side: OrderSide) -> bool:
        return self is FollowDirection.BOTH or (side is OrderSide.BUY) == (
            self is FollowDirection.LONG_ONLY
        )


@dataclass(frozen=True, slots=True)
class StrategyFollow:
    id: str
    user_id: str
    key_id: str
    strategy_id: str
    risk_profile_id: str
    symbol: str  # the strategy's, kept here so that one key follows one strategy per symbol
    active: bool
    created_at: datetime
    updated_at: datetime
    max_leverage: int | None = None  # a cap on copies' leverage (GraphQL only)
    daily_loss_limit_percent: Decimal | None = None  # the circuit breaker (GraphQL only)
    paused_reason: str | None = None  # why the platform paused it (a plan without automation)
    sizing: FollowSizing = FollowSizing.RISK  # the rest are GraphQL only, as the two above
    notional_usdt: Decimal | None = None  # each copy's notional with FIXED_NOTIONAL
    equity_percent: Decimal | None = None  # each copy's share of equity with EQUITY_PERCENT
    max_notional_usdt: Decimal | None = None  # no copy opens more, whatever the sizing
    direction: FollowDirection = FollowDirection.BOTH
    max_entry_slippage_percent: Decimal | None = None  # a MARKET copy's guard against a move
    portfolio_stop_percent: Decimal | None = None  # how far equity may fall below its high
    high_water_usd: Decimal | None = None  # the key's highest equity since start or resume

    def past_portfolio_stop(self, equity: Decimal) -> Decimal | None:
        """How far (in %) `equity` is below the high-water mark, once that is past the
        follow's portfolio stop; None while it is not (or there is no stop, or no mark yet)."""
        stop, high = self.portfolio_stop_percent, self.high_water_usd
        if stop is None or not high:
            return None
        drop = (high - equity) / high * 100
        return drop if drop >= stop else None


@dataclass(frozen=True, slots=True)
class FollowLimits:
    """The GraphQL-only options a body gave (`given`, by attribute); one given as null clears
    it (sizing back to RISK), one not given stays as it is."""

    max_leverage: int | None = None
    daily_loss_limit_percent: Decimal | None = None
    sizing: FollowSizing = FollowSizing.RISK
    notional_usdt: Decimal | None = None
    equity_percent: Decimal | None = None
    max_notional_usdt: Decimal | None = None
    direction: FollowDirection = FollowDirection.BOTH
    max_entry_slippage_percent: Decimal | None = None
    portfolio_stop_percent: Decimal | None = None
    given: frozenset[str] = frozenset()

    def applied_to(self, follow: StrategyFollow) -> StrategyFollow:
        """The follow with the given options set, the others as they were."""
        return replace(follow, **{attribute: getattr(self, attribute) for attribute in self.given})


@dataclass(frozen=True, slots=True)
class FollowChanges:
    """What a create or update body sets; None leaves a field as it is."""

    strategy: Strategy | None = None
    risk_profile: RiskProfile | None = None
    active: bool | None = None
    limits: FollowLimits = FollowLimits()


@dataclass(frozen=True, slots=True)
class FollowView:
    """A follow with the strategy and risk profile it names, as both transports show it."""

    follow: StrategyFollow
    strategy: Strategy
    risk_profile: RiskProfile

    @property
    def id(self) -> str:
        return self.follow.id

    @property
    def active(self) -> bool:
        return self.follow.active

    @property
    def created_at(self) -> datetime:
        return self.follow.created_at

    @property
    def updated_at(self) -> datetime:
        return self.follow.updated_at

    @property
    def max_leverage(self) -> int | None:
        return self.follow.max_leverage

    @property
    def paused_reason(self) -> str | None:
        return self.follow.paused_reason

    @property
    def daily_loss_limit_percent(self) -> float | None:
        return as_float(self.follow.daily_loss_limit_percent)

    @property
    def sizing(self) -> FollowSizing:
        return self.follow.sizing

    @property
    def direction(self) -> FollowDirection:
        return self.follow.direction

    @property
    def notional_usdt(self) -> float | None:
        return as_float(self.follow.notional_usdt)

    @property
    def equity_percent(self) -> float | None:
        return as_float(self.follow.equity_percent)

    @property
    def max_notional_usdt(self) -> float | None:
        return as_float(self.follow.max_notional_usdt)

    @property
    def max_entry_slippage_percent(self) -> float | None:
        return as_float(self.follow.max_entry_slippage_percent)

    @property
    def portfolio_stop_percent(self) -> float | None:
        return as_float(self.follow.portfolio_stop_percent)

    @property
    def high_water_usdt(self) -> float | None:
        return as_float(self.follow.high_water_usd)


class CopyStatus(StrEnum):
    PENDING = "PENDING"
    PLACED = "PLACED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class CopyReason(StrEnum):
    """Why a copy was skipped or failed, for an app to switch on; `reason` words it."""

    BELOW_MINIMUM = "BELOW_MINIMUM"  # the sized copy is under the market's minimum
    INSUFFICIENT_MARGIN = "INSUFFICIENT_MARGIN"  # the exchange found too little margin
    LEVERAGE_CAP = "LEVERAGE_CAP"  # the follow's leverage cap leaves too little margin
    DIRECTION = "DIRECTION"  # the follow copies the other direction only
    SLIPPAGE_GUARD = "SLIPPAGE_GUARD"  # the market moved too far from the signal's price
    PORTFOLIO_STOP = "PORTFOLIO_STOP"  # equity fell past the follow's portfolio stop
    DAILY_LOSS_LIMIT = "DAILY_LOSS_LIMIT"  # the follow's circuit breaker for the day
    FOREIGN_POSITION = "FOREIGN_POSITION"  # the key holds a position the strategy did not open
    AT_STOP = "AT_STOP"  # the market reached the signal's stop before the copy
    CLOSED_BY_STRATEGY = "CLOSED_BY_STRATEGY"  # a later signal ended the trade first
    NOTHING_TO_CLOSE = "NOTHING_TO_CLOSE"  # a CLOSE found no position of the strategy's
    KEY_REFUSED = "KEY_REFUSED"  # the exchange refused the key's credentials
    KEY_DELETED = "KEY_DELETED"
    KEY_INACTIVE = "KEY_INACTIVE"
    KEY_UNREADABLE = "KEY_UNREADABLE"  # the key's secret cannot be opened by this server
    FOLLOW_PAUSED = "FOLLOW_PAUSED"  # paused by the follower
    NO_AUTOMATION = "NO_AUTOMATION"  # paused by the platform: the plan has no automation
    EXCHANGE_UNAVAILABLE = "EXCHANGE_UNAVAILABLE"  # no answer through every attempt
    EXCHANGE_REFUSED = "EXCHANGE_REFUSED"  # any other refusal of the exchange's
    ERROR = "ERROR"  # the platform's own failure, through every attempt


@dataclass(frozen=True, slots=True)
class SignalCopy:
    """One follower's copy of one signal, and how it went."""

    id: str
    signal_id: str
    follow_id: str
    user_id: str
    key_id: str
    symbol: str
    risk_profile_percent: Decimal
    status: CopyStatus
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    sequence: int = 0  # its signal's place among the strategy's: a follow's copies go in order
    lease: str | None = None  # the token it is leased under, while it is
    reason: str | None = None
    reason_code: CopyReason | None = None  # with `reason`, once SKIPPED or FAILED
    order_id: str | None = None
    price: float | None = None
    amount: float | None = None
    cost: float | None = None
    leverage: int | None = None
    latency_ms: int | None = None  # from the signal accepted to the entry's answer
    slippage_bps: float | None = None  # entry price against the signal's, + when worse

    def trade(
        self, plan: ExitPlan, placed: list[Order], *, resumed: bool = False
    ) -> ProtectedTrade:
        """What the keeper follows of this copy's orders."""
        return protected_trade(
            trade_id=self.id,
            user_id=self.user_id,
            key_id=self.key_id,
            plan=plan,
            prefix=self.prefix,
            placed=placed,
            resumed=resumed,
        )

    @property
    def prefix(self) -> str:
        """Client order ids of the copy's orders: the same on every attempt."""
        digest = hashlib.sha256(f"{self.signal_id}|{self.follow_id}".encode()).hexdigest()
        return COPY_PREFIX + digest[:22]


COPY_PREFIX = "tc"  # a copy's client order ids start so; a manual trade's with "td"


def strategy_positions(trades: Iterable[ProtectedTrade]) -> set[tuple[str, str]]:
    """The (key, symbol) pairs where open trades are a strategy's copies, not the user's."""
    return {(t.key_id, t.symbol) for t in trades if t.prefix.startswith(COPY_PREFIX)}


@dataclass(frozen=True, slots=True)
class SignalStats:
    """How a signal's copies went, for operators."""

    placed: int
    skipped: int
    failed: int
    pending: int
    p50_latency_ms: int | None
    p99_latency_ms: int | None
    mean_slippage_bps: float | None

    @classmethod
    def of(cls, copies: list[SignalCopy]) -> SignalStats:
        count = Counter(copy.status for copy in copies)
        latencies = sorted(c.latency_ms for c in copies if c.latency_ms is not None)
        slippages = [c.slippage_bps for c in copies if c.slippage_bps is not None]
        return cls(
            placed=count[CopyStatus.PLACED],
            skipped=count[CopyStatus.SKIPPED],
            failed=count[CopyStatus.FAILED],
            pending=count[CopyStatus.PENDING],
            p50_latency_ms=_percentile(latencies, 0.5),
            p99_latency_ms=_percentile(latencies, 0.99),
            mean_slippage_bps=round(statistics.fmean(slippages), 2) if slippages else None,
        )


def _percentile(ordered: list[int], share: float) -> int | None:
    """The nearest-rank percentile of sorted values."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class PublishedSignal:
    signal: Signal
    copies: int  # followers it goes to


@dataclass(frozen=True, slots=True)
class CopyOutcome:
    """A copy as it ended (or as it waits for a retry), the trade the keeper is to follow,
    the entry it placed, and what its follower is to be told."""

    copy: SignalCopy
    trade: ProtectedTrade | None = None
    entry: TradeEvent | None = None
    notice: CopyingNotice | None = None


@dataclass(frozen=True, slots=True)
class CopiedTrade:
    id: str
    order_id: str | None
    price: float | None
    amount: float | None
    cost: float | None
    stop: float | None
    stop_type: str | None
    take_profit: tuple[float, ...]
    leverage: int | None
    callback_rate: float | None
    risk_profile_percent: float
    created_at: datetime
    strategy_name: str
    exchange_id: str
    symbol: str
    trade_side: str  # BUY or SELL

    @property
    def trailing_trigger_price(self) -> float | None:
        """The v1 field: where the trailing stop starts trailing (the first take profit),
        when the signal had one; None too for one that trails from the entry."""
        if self.callback_rate is None or not self.take_profit:
            return None
        return self.take_profit[0]
