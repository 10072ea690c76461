"""Followers' portfolio stops: a follow with `portfolio_stop_percent` is ended when its key's
futures equity falls that far below its high-water mark, the highest equity seen since the
follow started or was last resumed.

Each round reads the equity of every key such a follow is on (one account read per key),
raises the marks, and, for a follow past its stop, closes the position the strategy opened on
the key (its trade superseded first, so the keeper does not put its exits back), then pauses
the follow with the reason and tells the follower once. The close comes first: a close that
fails leaves the follow active, and the next round finishes it whatever equity has done since
(the trade, superseded under the stop's reason, says so and whose the position was); copies
are skipped while equity is past the stop (`sizing.check_portfolio_stop`). After the pause,
anything a copy that read the follow just before it opened is closed too. A close is a
reduce-only order under a client order id that derives from the follow and its mark, and
finds nothing to close once an earlier attempt did: it never opens or doubles a position.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from decimal import Decimal

from tradedesk.domain.alerts.recording import record_alerts
from tradedesk.domain.copying.model import StrategyFollow, strategy_positions
from tradedesk.domain.copying.ports import CopyingUnitOfWork, CopyingUnitOfWorkFactory
from tradedesk.domain.copying.sizing import PORTFOLIO_STOP, equity_of, portfolio_stop_reason
from tradedesk.domain.copying_notices import NoticeKind, notice
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.model import ExchangeKey
from tradedesk.domain.market.exchange import ApiCredentials
from tradedesk.domain.market.exchange_purpose import ExchangePurpose, spending_for
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
            except Exception:  # this key's turn only; the others go on, and it goes next round
                log.exception("portfolio stops on key %s", key_id)
        return ended

    async def _round(
        self, key: ExchangeKey, credentials: ApiCredentials, follows: list[StrategyFollow]
    ) -> int:
        with spending_for(ExchangePurpose.RECONCILIATION):  # it guards positions: not starved
            account = await self._keys.use(
                key, self._gateway.fetch_futures_account, credentials=credentials
            )
        equity = equity_of(account)
        ended = 0
        for follow in follows:
            drop = follow.past_portfolio_stop(equity)
            if drop is not None:
                await self._end(follow, credentials, portfolio_stop_reason(follow, equity, drop))
            elif await self._began(follow):  # an earlier round's close did not finish
                await self._end(follow, credentials, _finishing(follow))
            else:
                if follow.high_water_usd is None or equity > follow.high_water_usd:
                    async with self._uow_factory() as uow:
                        await uow.follows.raise_high_water(follow.id, equity)
                        await uow.commit()
                continue
            ended += 1
        return ended

    async def _began(self, follow: StrategyFollow) -> bool:
        async with self._uow_factory() as uow:
            return await uow.protected_trades.closed_for(
                follow.key_id, follow.symbol, _closing(follow)
            )

    async def _end(self, follow: StrategyFollow, credentials: ApiCredentials, reason: str) -> None:
        """Closes what the strategy holds on the key, then pauses the follow and tells; then
        closes again anything a copy that read the follow before the pause opened since."""
        log.warning("follow %s: %s; closing and pausing", follow.id, reason)
        key_id, symbol = follow.key_id, follow.symbol
        async with self._uow_factory() as uow:
            held = await self._held(uow, follow) or await uow.protected_trades.closed_for(
                key_id, symbol, _closing(follow)
            )
        if held:
            await self._close(follow, credentials, _close_id(follow, "x"))
        now = self._clock.now()
        told = notice(
            NoticeKind.PORTFOLIO_STOP,
            subject=follow.id,
            key_id=key_id,
            symbol=symbol,
            detail=reason,
            at=now,
        )
        async with self._uow_factory() as uow:
            await uow.users.lock(follow.user_id)  # as a user's own change of the follow does
            if await uow.follows.pause(follow.id, reason=reason, now=now):
                await record_alerts(uow, self._ids, [(follow.user_id, told)])
            await uow.commit()
        async with self._uow_factory() as uow:
            raced = await self._held(uow, follow)
        if raced:
            await self._close(follow, credentials, _close_id(follow, "y"))

    async def _held(self, uow: CopyingUnitOfWork, follow: StrategyFollow) -> bool:
        trades = await uow.protected_trades.open_on_keys([follow.key_id])
        return (follow.key_id, follow.symbol) in strategy_positions(trades)

    async def _close(
        self, follow: StrategyFollow, credentials: ApiCredentials, close_id: str
    ) -> None:
        """The trade superseded under the stop's reason (so a retry knows whose the position
        was, and the keeper puts no exits back), then the position closed, reduce-only."""
        await self._keeper.supersede(follow.key_id, follow.symbol, reason=_closing(follow))
        await flatten(self._gateway, credentials, follow.symbol, close_id)


def _close_id(follow: StrategyFollow, attempt: str) -> str:
    """A close's client order id: the same for every retry of this follow's stop at this
    mark (`attempt` tells the close after the pause from the first)."""
    mark = Decimal(follow.high_water_usd or 0).normalize()
    return "ps" + hashlib.sha256(f"{follow.id}|{mark}".encode()).hexdigest()[:22] + attempt


def _closing(follow: StrategyFollow) -> str:
    """What the superseded trade says: this follow's stop at this mark (64 characters at most)."""
    return f"portfolio stop {_close_id(follow, '')}"


def _finishing(follow: StrategyFollow) -> str:
    mark = follow.high_water_usd or Decimal(0)
    return f"{PORTFOLIO_STOP} equity fell past the stop below the high of {mark:.2f}"
