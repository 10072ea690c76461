"""Automated strategies, the risk profiles followers size by, and the trades strategies close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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
    id: str
    name: str
    monthly_price_usd: float
    max_balance_usd: int
    max_api_key: int
    strategy_automated: bool
    public: bool
    created_at: datetime
    updated_at: datetime
