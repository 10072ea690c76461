"""Exchange keys as users connect them, sealed secrets and balance snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from tradedesk.domain.market.model import ExchangeId, TradeType


class StrategyType(StrEnum):
    AUTOMATED = "AUTOMATED"
    MANUAL = "MANUAL"


class ApiKeyStatus(StrEnum):
    """What the key's last use on the exchange told."""

    AUTHORIZED = "AUTHORIZED"
    UNAUTHORIZED = "UNAUTHORIZED"  # the exchange refused the credentials: the key is made inactive
    FAILED = "FAILED"  # the exchange could not be asked or refused the request


@dataclass(frozen=True, slots=True)
class SealedSecret:
    """A secret encrypted at rest, with the id of the key that sealed it (for rotation)."""

    key_id: str
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ExchangeKey:
    id: str
    user_id: str
    exchange_id: ExchangeId
    trade_type: TradeType
    strategy_type: StrategyType
    name: str
    api_key: str
    api_key_status: ApiKeyStatus
    active: bool
    ip_restricted: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class KeyChanges:
    """A key's rename; None leaves the name as it is (nothing else of a key changes)."""

    name: str | None = None


@dataclass(frozen=True, slots=True)
class NewExchangeKey:
    exchange_id: ExchangeId
    trade_type: TradeType
    strategy_type: StrategyType
    name: str
    active: bool
    api_key: str
    secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class BalanceSnapshot:
    day: date
    total_usd: float


@dataclass(frozen=True, slots=True)
class BalanceHistoryPage:
    items: list[BalanceSnapshot]
    next_token: str | None
