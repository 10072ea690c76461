"""The trades one protection keeper holds a lease on, as it last read or saved them, and when
each is next read as a safety net.

A keeper re-reads nothing it has held without a break: under its lease nobody else writes a
trade, and every pass saves through the keeper, so the copy here is the database's. A copy
is doubted (read again before its next pass) when a save's outcome is unknown, and every copy
is read again once the keeper's leases may have lapsed. A tick otherwise only learns which
trades are new to it and which have gone (closed, or taken over), so that a quiet tick costs
the same whatever the number of trades.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Container, Iterable
from datetime import datetime, timedelta

from tradedesk.domain.trading.model import ProtectedTrade


class LeasedTrades:
    def __init__(self, safety_net: timedelta) -> None:
        self._safety_net = safety_net
        self._trades: dict[str, ProtectedTrade] = {}
        self._by_key: dict[str, dict[str, ProtectedTrade]] = {}
        self._next_read: dict[str, datetime] = {}  # trades read in full, and when next
        self._doubted: set[str] = set()  # copies that may be behind the database

    def ids(self) -> set[str]:
        return set(self._trades)

    def key_ids(self) -> set[str]:
        return set(self._by_key)

    def get(self, trade_id: str) -> ProtectedTrade | None:
        return self._trades.get(trade_id)

    def doubt(self, trade_id: str) -> None:
        """A save's outcome is unknown: the copy is read again before the next pass."""
        if trade_id in self._trades:
            self._doubted.add(trade_id)

    def doubted(self, trade_id: str) -> bool:
        return trade_id in self._doubted

    def of_key(self, key_id: str) -> list[ProtectedTrade]:
        return list(self._by_key.get(key_id, {}).values())

    def hold(self, trades: Iterable[ProtectedTrade]) -> None:
        for trade in trades:
            self._trades[trade.id] = trade
            self._by_key.setdefault(trade.key_id, {})[trade.id] = trade
            self._doubted.discard(trade.id)

    def update(self, trade: ProtectedTrade) -> None:
        """The trade as a pass saved or read it; one no longer held stays gone."""
        if trade.id in self._trades:
            self.hold([trade])

    def forget(self, trade_id: str) -> None:
        trade = self._trades.pop(trade_id, None)
        self._next_read.pop(trade_id, None)
        self._doubted.discard(trade_id)
        if trade is None:
            return
        of_key = self._by_key[trade.key_id]
        del of_key[trade_id]
        if not of_key:
            del self._by_key[trade.key_id]

    def read(self, trade_id: str, at: datetime) -> None:
        """The trade was read in full at `at`: its next safety-net read falls at its own
        point of every SAFETY_NET (spread by its id), never sooner than half a SAFETY_NET
        after this read, so that trades placed or reconciled together are not all read again
        in one tick, and a trade left alone is read once every SAFETY_NET."""
        if trade_id not in self._trades:
            return
        period = self._safety_net.total_seconds()
        phase = zlib.crc32(trade_id.encode()) / 2**32 * period
        earliest = at.timestamp() + period / 2
        self._next_read[trade_id] = at + timedelta(seconds=period / 2 + (phase - earliest) % period)

    def unread(self, trade_id: str) -> None:
        """A pass failed: the trade is read again on the next tick."""
        self._next_read.pop(trade_id, None)

    def due(
        self, now: datetime, *, streamed: Callable[[str], bool], opening: Container[str] = ()
    ) -> list[ProtectedTrade]:
        """The trades a tick reads: every trade of a key without a live stream (`streamed`
        says which have one), and the others when never read or their read falls due. The
        trades of a key whose stream is `opening` are read as if it were live: the gap its
        opening tells of has them read again, and a stream that does not open leaves them
        to every tick."""
        due: list[ProtectedTrade] = []
        for key_id, trades in self._by_key.items():
            if not streamed(key_id) and key_id not in opening:
                due.extend(trades.values())
                continue
            for trade_id, trade in trades.items():
                at = self._next_read.get(trade_id)
                if at is None or at <= now:
                    due.append(trade)
        return due
