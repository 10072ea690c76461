"""Followers' portfolio stops: a follow with `portfolio_stop_percent` is ended when its key's
futures equity falls that far below its high-water mark, the highest equity seen since the
follow started or was last resumed.

Each round reads the equity of every key such a follow is on (one account read per key),
raises the marks, and, for a follow past its stop, closes the position the strategy opened on
the key (its trade superseded first, so the keeper does not put its exits back), then pauses
the follow with the reason and tells the follower once. The close comes first: a close that
fails leaves the follow active and past its stop, so the next round tries again (the trade,
already superseded, says whose position it was), and copies are skipped meanwhile
(`sizing.check_portfolio_stop`). A close is a reduce-only order under a
client order id that derives from the follow and its mark, and finds nothing to close once an
earlier attempt did: it never opens or doubles a position.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from decimal import Decimal

from tradedesk.domain.alerts.recording import record_alerts
from tradedesk.domain.copying.model import StrategyFollow, strategy_positions
from tradedesk.domain.copying.ports import CopyingUnitOfWorkFactory
from tradedesk.domain.copying.sizing import equity_of, portfolio_stop_reason
from tradedesk.domain.copying_notices import NoticeKind, notice
from tradedesk.domain.errors import BusinessRuleViolation
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.model import ExchangeKey
from tradedesk.domain.market.exchange import ApiCredentials
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.trading.flattening import flatten
from tradedesk.domain.trading.protection import ProtectionKeeper

log = logging.getLogger("tradedesk.copy_trading")


class PortfolioStops:
    def __init__(
        self,
        *,
        uow_factory: CopyingUnitOfWorkFactory,
        keys: ExchangeKeys,
        gateway: ExchangeGateway,
        keeper: ProtectionKeeper,
        clock: Clock,
        ids: Ids,
    ) -> None:
        self._uow_factory = uow_factory
        self._keys = keys
        self._gateway = gateway
        self._keeper = keeper
        self._clock = clock
        self._ids = ids

    async def tick(self) -> int:
        """One round over every follow with a portfolio stop; how many it ended."""
        async with self._uow_factory() as uow:
            follows = await uow.follows.with_portfolio_stop()
        by_key: defaultdict[str, list[StrategyFollow]] = defaultdict(list)
        for follow in follows:
            by_key[follow.key_id].append(follow)
        opened = await self._keys.open_many(sorted(by_key))
        ended = 0
        for key_id, key_follows in by_key.items():
            key, credentials = opened.get(key_id, (None, None))
            if key is None or credentials is None or not key.active:
                continue  # deleted, or unreadable here (logged when opened), or switched off
            try:
                ended += await self._round(key, credentials, key_follows)
            except BusinessRuleViolation as failed:  # this key's turn only; the next round again
                log.warning("portfolio stops on key %s: %s", key_id, failed.text)
        return ended

    async def _round(
        self, key: ExchangeKey, credentials: ApiCredentials, follows: list[StrategyFollow]
    ) -> int:
        account = await self._keys.use(
            key, self._gateway.fetch_futures_account, credentials=credentials
        )
        equity = equity_of(account)
        ended = 0
        for follow in follows:
            drop = follow.past_portfolio_stop(equity)
            if drop is None:
                if follow.high_water_usd is None or equity > follow.high_water_usd:
                    async with self._uow_factory() as uow:
                        await uow.follows.raise_high_water(follow.id, equity)
                        await uow.commit()
                continue
            await self._end(follow, credentials, portfolio_stop_reason(follow, equity, drop))
            ended += 1
        return ended

    async def _end(self, follow: StrategyFollow, credentials: ApiCredentials, reason: str) -> None:
        """Closes what the strategy holds on the key, then pauses the follow and tells."""
        log.warning("follow %s: %s; closing and pausing", follow.id, reason)
        close_id = _close_id(follow)
        closing = f"portfolio stop {close_id}"  # on the trade: a retry knows whose it was
        key_id, symbol = follow.key_id, follow.symbol
        async with self._uow_factory() as uow:
            held = (key_id, symbol) in strategy_positions(
                await uow.protected_trades.open_on_keys([key_id])
            ) or await uow.protected_trades.closed_for(key_id, symbol, closing)
        if held:
            await self._keeper.supersede(key_id, symbol, reason=closing)
            await flatten(self._gateway, credentials, symbol, close_id)
        now = self._clock.now()
        told = notice(
            NoticeKind.PORTFOLIO_STOP,
            subject=follow.id,
            key_id=follow.key_id,
            symbol=follow.symbol,
            detail=reason,
            at=now,
        )
        async with self._uow_factory() as uow:
            if await uow.follows.pause(follow.id, reason=reason, now=now):
                await record_alerts(uow, self._ids, [(follow.user_id, told)])
            await uow.commit()


def _close_id(follow: StrategyFollow) -> str:
    """The close's client order id: the same for every attempt at this follow's stop."""
    mark = Decimal(follow.high_water_usd or 0).normalize()
    return "ps" + hashlib.sha256(f"{follow.id}|{mark}".encode()).hexdigest()[:22] + "x"
