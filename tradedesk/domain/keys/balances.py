"""Each active key's total USD, once per UTC day, and the pages a user reads it in.

The daily job records what the exchange answers that day; a day it could not answer (or the
job did not run) stays missing rather than being invented. Pages go newest first; `nextToken`
names the last day served, signed, so that a client can only continue where a page ended.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date

from tradedesk.domain.errors import BusinessRuleViolation
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.model import BalanceHistoryPage, ExchangeKey
from tradedesk.domain.keys.ports import KeysUnitOfWorkFactory
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.ports import Clock, PageTokens
from tradedesk.domain.principal import Principal

log = logging.getLogger("tradedesk.balance_history")

DEFAULT_LIMIT = 100
CONCURRENT_KEYS = 16  # exchange reads in flight at once while snapshotting


class BalanceHistory:
    def __init__(
        self,
        *,
        uow_factory: KeysUnitOfWorkFactory,
        keys: ExchangeKeys,
        gateway: ExchangeGateway,
        tokens: PageTokens,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._keys = keys
        self._gateway = gateway
        self._tokens = tokens
        self._clock = clock

    def parse_token(self, key_id: str, token: str) -> date:
        """The day a page ended on; a token not issued for this key is a 422."""
        return date.fromisoformat(self._tokens.read(_scope(key_id), token))

    def cursor(self, key_id: str, day: date) -> str:
        """The token that continues a listing after `day`."""
        return self._tokens.issue(_scope(key_id), day.isoformat())

    async def page(
        self,
        caller: Principal,
        key_id: str,
        *,
        start: date | None = None,
        limit: int = DEFAULT_LIMIT,
        after: date | None = None,
    ) -> BalanceHistoryPage:
        await self._keys.listed(caller, key_id)  # 404 for a foreign or missing key
        async with self._uow_factory() as uow:
            found = await uow.balance_snapshots.page(
                key_id, start=start, before=after, limit=limit + 1
            )
        items = found[:limit]
        more = len(found) > limit
        token = self.cursor(key_id, items[-1].day) if more else None
        return BalanceHistoryPage(items=items, next_token=token)

    async def take_snapshots(self) -> int:
        """Records today's total of every active key not yet recorded today; returns how many
        were recorded. Safe to run as often as wanted, from as many processes as wanted."""
        today = self._clock.now().astimezone(UTC).date()
        async with self._uow_factory() as uow:
            pending = await uow.balance_snapshots.keys_without_snapshot(today)
        gate = asyncio.Semaphore(CONCURRENT_KEYS)

        async def snapshot(key: ExchangeKey) -> bool:
            async with gate:
                try:
                    balances = await self._keys.use(key, self._gateway.fetch_balances)
                except BusinessRuleViolation as refused:
                    log.info("no snapshot of key %s today: %s", key.id, refused.text)
                    return False
                total = await self._keys.value_usd(balances)
            async with self._uow_factory() as uow:
                await uow.balance_snapshots.record(key.id, today, total, now=self._clock.now())
                await uow.commit()
            return True

        return sum(await asyncio.gather(*(snapshot(key) for key in pending)))


def _scope(key_id: str) -> str:
    return f"balance-history:{key_id}"
