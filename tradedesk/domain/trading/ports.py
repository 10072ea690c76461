"""Where manual trades, protected trades and exit fills are kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from tradedesk.domain.keys.ports import KeysUnitOfWork
from tradedesk.domain.market.exchange import (
    Order,
)
from tradedesk.domain.trading.model import Claim, ExitFill, ManualTrade, ProtectedTrade


class ManualTradeRepository(Protocol):
    async def claim(
        self, *, trade_id: str, user_id: str, key_id: str, symbol: str, idempotency_key: str,
        now: datetime,
    ) -> Claim:  # fmt: skip
        """Insert a pending trade for the idempotency key, unless another holds it; a
        pending trade whose holder died placing it is taken over."""
        ...

    async def placed_orders(self, user_id: str, idempotency_key: str) -> list[Order] | None: ...

    async def release(self, trade_id: str) -> None:
        """Forget a pending trade whose placement failed, so that a retry may try again."""
        ...

    async def complete(
        self,
        trade: ManualTrade,
        *,
        user_id: str,
        key_id: str,
        symbol: str,
        orders: list[Order],
        claimed: bool,
    ) -> bool:
        """Records the placed trade: fills in its claim (`claimed`) or adds the row. False,
        with nothing written, when the claim is no longer this trade's (taken over)."""
        ...

    async def page(
        self,
        user_id: str,
        *,
        since: datetime | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[ManualTrade]: ...


class ProtectedTradeRepository(Protocol):
    """Trades the protection keeper follows until they are closed."""

    async def add(self, trade: ProtectedTrade, *, now: datetime) -> None: ...

    async def add_many(self, trades: list[ProtectedTrade], *, now: datetime) -> None:
        """Those not there already (a resumed copy's)."""
        ...

    async def save(self, trade: ProtectedTrade, *, now: datetime) -> bool:
        """Stores what the keeper knows of an open trade; False when it is no longer open
        (superseded or closed meanwhile), and then nothing is written."""
        ...

    async def close(self, trade_id: str, *, reason: str, now: datetime) -> None: ...

    async def open_on_keys(self, key_ids: list[str]) -> list[ProtectedTrade]: ...

    async def leased_many(
        self, trade_ids: list[str], *, owner: str, now: datetime
    ) -> list[ProtectedTrade]:
        """Those of the trades that are open and leased to `owner`, as they stand."""
        ...

    async def close_all(self, key_id: str, symbol: str, *, reason: str, now: datetime) -> None:
        """Closes every open trade of the key on the symbol."""
        ...

    async def closed_for(self, key_id: str, symbol: str, reason: str) -> bool:
        """Whether a trade of the key on the symbol was closed with exactly this reason."""
        ...

    async def lease_open(self, *, owner: str, now: datetime, lease: timedelta) -> set[str]:
        """Leases to the owner until now + lease the open trades that are nobody's (a lease
        lapsed) and renews the owner's own once half their lease is gone; never a trade of a
        key another owner holds a trade of, so that one keeper hears each key's stream and a
        key's trades move on together. The ids of the open trades the owner holds now (its
        lapsed leases retaken included): no rows, so that renewing costs no more for many
        trades than for one."""
        ...


class ExitFillRepository(Protocol):
    """The ledger of exits the keeper saw fill; reports read it."""

    async def add_fills(self, fills: list[ExitFill]) -> None: ...


class TradingUnitOfWork(KeysUnitOfWork, Protocol):
    """A transaction over a user's trades and the keys they are placed with."""

    @property
    def manual_trades(self) -> ManualTradeRepository: ...

    @property
    def protected_trades(self) -> ProtectedTradeRepository: ...

    @property
    def reports(self) -> ExitFillRepository: ...


TradingUnitOfWorkFactory = Callable[[], TradingUnitOfWork]
