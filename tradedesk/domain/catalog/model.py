"""The catalog: subscription plans and what each allows, automated strategies, the risk
profiles followers size by, and the trades strategies close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.model import ExchangeId


class TradeSide(StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"


@dataclass(frozen=True, slots=True)
class RiskProfile:
    """How much of a follower's equity one strategy trade may risk, in percent."""

    id: str
    name: str
    percentage: float
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Strategy:
    id: str
    active: bool
    name: str
    description: str | None
    exchange_id: ExchangeId
    symbol: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StrategyTrade:
    """A closed strategy trade; `result` is the gain or loss as a fraction of equity."""

    strategy_id: str
    side: TradeSide
    entry_price: float
    exit_price: float
    opened_at: datetime
    closed_at: datetime
    result: float


@dataclass(frozen=True, slots=True)
class Plan:
    """What a subscription pays for. The one place that says what a plan allows: the key
    and follow services ask it before they write."""

    id: str
    name: str
    monthly_price_usd: float
    max_balance_usd: int
    max_api_key: int
    strategy_automated: bool
    public: bool
    created_at: datetime
    updated_at: datetime

    def admit_key(
        self, *, keys_held: int, active_usd: float, key_usd: float, key_active: bool
    ) -> None:
        """Refuses one more exchange key past the plan's count, or an active one that leaves
        the user's active balance (`active_usd` of the keys held, and the key's own) past the
        plan's: even an empty key, when the balance is past it already (after a downgrade)."""
        if keys_held >= self.max_api_key:
            raise BusinessRuleViolation(ErrorCode.SUBSCRIPTION_API_KEY_LIMIT)
        if key_active and active_usd + key_usd > self.max_balance_usd:
            raise BusinessRuleViolation(ErrorCode.SUBSCRIPTION_BALANCE_LIMIT)

    def admit_automation(self) -> None:
        """Refuses following an automated strategy on a plan without automation."""
        if not self.strategy_automated:
            raise BusinessRuleViolation(ErrorCode.UNAUTHORIZED_SUBSCRIPTION_FEATURES)
