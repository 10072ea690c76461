"""A unit of work in memory, with the repositories the trading context's keeper uses: the
protected trades it follows, the alerts outbox and the exit fills reports read. What a
transaction wrote shows only once it commits, as on a database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Self

from tradedesk.domain.alerts.model import Alert, AlertPreferences
from tradedesk.domain.trading.model import ExitFill, ProtectedTrade

EVERY_ALERT_BY_EMAIL = frozenset({"email_new_order", "email_take_profit", "email_stop_loss"})


@dataclass
class Store:
    """What has been committed."""

    trades: dict[str, ProtectedTrade] = field(default_factory=dict)
    closed: dict[str, str] = field(default_factory=dict)  # trade id -> why
    alerts: list[Alert] = field(default_factory=list)
    fills: list[ExitFill] = field(default_factory=list)


class FakeProtectedTrades:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def lease_open(self, *, owner: str, now: datetime, lease: timedelta) -> set[str]:
        """The fake keeps no leases: one keeper holds every trade."""
        return set(self._uow.store.trades) - set(self._uow.store.closed)

    async def leased_many(
        self, trade_ids: list[str], *, owner: str, now: datetime
    ) -> list[ProtectedTrade]:
        store = self._uow.store
        return [store.trades[i] for i in trade_ids if i in store.trades and i not in store.closed]

    async def save(self, trade: ProtectedTrade, *, now: datetime) -> bool:
        if trade.id in self._uow.store.closed:
            return False
        self._uow.pending.append(lambda store: store.trades.__setitem__(trade.id, trade))
        return True

    async def close(self, trade_id: str, *, reason: str, now: datetime) -> None:
        self._uow.pending.append(lambda store: store.closed.setdefault(trade_id, reason))

    async def close_all(self, key_id: str, symbol: str, *, reason: str, now: datetime) -> None:
        for trade in list(self._uow.store.trades.values()):
            if trade.key_id == key_id and trade.symbol == symbol:
                await self.close(trade.id, reason=reason, now=now)


class FakeAlerts:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def preferences(self, user_ids: list[str]) -> dict[str, AlertPreferences]:
        return {
            user: AlertPreferences(EVERY_ALERT_BY_EMAIL, telegram_linked=False) for user in user_ids
        }

    async def add_many(self, alerts: list[Alert]) -> None:
        self._uow.pending.append(lambda store: store.alerts.extend(alerts))


class FakeExitFills:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def add_fills(self, fills: list[ExitFill]) -> None:
        self._uow.pending.append(lambda store: store.fills.extend(fills))


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: list = []
        self.reads_only = False
        self.protected_trades = FakeProtectedTrades(self)
        self.alerts = FakeAlerts(self)
        self.reports = FakeExitFills(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.pending.clear()  # what was not committed is rolled back

    def reading(self) -> Self:
        self.reads_only = True
        return self

    async def commit(self) -> None:
        if self.reads_only:
            raise RuntimeError("a unit of work declared reading() commits nothing")
        for write in self.pending:
            write(self.store)
        self.pending.clear()
