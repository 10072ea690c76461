"""Placing a protected trade on a key: the one order path of manual orders and copy trades.

The symbol is cleared first (open orders cancelled, position closed; the trade the keeper was
following there is superseded), then the entry, then its exits (`domain/trading/exits.py`): the
stop before the take profits, so that an account short of conditional slots spends its last one
on the stop, and a take profit refused for want of a slot rests as a reduce-only LIMIT instead
(a trailing stop, placed last, is dropped).
If any leg after the entry fails otherwise, everything placed is cancelled and the position
closed, and the error names the leg: nobody is told they are protected when they are not.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from tradedesk.domain.errors import BusinessRuleViolation, ConditionalOrdersFull, ErrorCode
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    MarketRules,
    Order,
    OrderRequest,
    OrderType,
)
from tradedesk.domain.market.exchange_purpose import ExchangePurpose, spending_for
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.trading.exits import (
    STOP,
    TRAIL,
    ExitPlan,
    entry_id,
    in_plan_order,
    initial_legs,
    leg_of,
    resting,
)
from tradedesk.domain.trading.flattening import flatten
from tradedesk.domain.trading.protection import ProtectionKeeper

log = logging.getLogger("tradedesk.placement")


class OrderLegFailed(BusinessRuleViolation):
    """A leg after the entry failed; what was placed has been undone. `context["leg"]` names
    it: `takeProfit[N]` or `stop`."""

    def __init__(self, code: ErrorCode, leg: str) -> None:
        super().__init__(code, leg=leg)


class TradePlacer:
    def __init__(self, gateway: ExchangeGateway, keeper: ProtectionKeeper) -> None:
        self._gateway = gateway
        self._keeper = keeper

    async def place(
        self,
        credentials: ApiCredentials,
        key_id: str,
        entry: OrderRequest,
        plan: ExitPlan,
        rules: MarketRules,
        prefix: str,
        *,
        clear: bool = True,
    ) -> list[Order]:
        """The entry, then the legs it has filled for: [entry, *legs] in the plan's order.
        `clear` False skips clearing a symbol the caller knows holds nothing of the platform's."""
        symbol = entry.symbol
        futures = credentials.trade_type is TradeType.FUTURES
        if clear and futures:
            await self._keeper.supersede(key_id, symbol)
            await flatten(self._gateway, credentials, symbol, f"{prefix}c")
        elif clear:
            await self._gateway.cancel_all_orders(credentials, symbol)
        with spending_for(ExchangePurpose.ENTRY):
            placed = [await self._gateway.place_order(credentials, entry)]
        legs = initial_legs(
            plan,
            rules,
            symbol=symbol,
            prefix=prefix,
            filled=rules.round_amount(Decimal(str(placed[0].filled))),
            entry_open=placed[0].is_open,
        )
        by_leg: dict[str, Order] = {}
        leg = "takeProfit"
        try:
            with spending_for(ExchangePurpose.PROTECTION):  # the entry is out: it is exposed
                for name, request in sorted(legs, key=lambda named: _turn(named[0])):
                    leg = name  # named in the error if this one fails
                    if (order := await self._place_leg(credentials, request)) is not None:
                        by_leg[name] = order
        except BusinessRuleViolation as failed:
            log.warning("trade %s: the %s leg failed (%s); undoing", prefix, leg, failed.text)
            if futures:
                await flatten(self._gateway, credentials, symbol, f"{prefix}u")
            else:
                await self._gateway.cancel_all_orders(credentials, symbol)
            raise OrderLegFailed(failed.code, leg) from None
        return placed + [by_leg[name] for name, _request in legs if name in by_leg]

    async def _place_leg(self, credentials: ApiCredentials, request: OrderRequest) -> Order | None:
        """A leg, or None for a trailing stop the account has no conditional slot left for
        (dropped, as the keeper drops one: the stop, placed first, protects the trade). A
        conditional take profit without a slot rests as a reduce-only LIMIT at its price."""
        try:
            return await self._gateway.place_order(credentials, request)
        except ConditionalOrdersFull:
            if request.type is OrderType.TAKE_PROFIT:
                return await self._gateway.place_order(credentials, resting(request))
            if request.type is OrderType.TRAILING_STOP_MARKET:
                log.warning("%s: no conditional slot for the trailing stop; dropped", request)
                return None
            raise


def _turn(leg: str) -> int:
    """The stop goes out first, then the take profits, then the trailing stop: the last
    conditional slots an account has go to what limits the loss."""
    return {STOP: 0, TRAIL: 2}.get(leg, 1)


async def placed_before(
    gateway: ExchangeGateway, credentials: ApiCredentials, symbol: str, prefix: str
) -> list[Order] | None:
    """What an earlier attempt at the trade left on the exchange, found by its client order
    ids: [entry, *legs still open]; None when its entry never went out. Asked before a trade
    is placed again, so that a retry finishes what is there instead of placing it twice."""
    history = await gateway.fetch_order_history(credentials, symbol)
    entry = next((o for o in history if o.client_order_id == entry_id(prefix)), None)
    if entry is None:
        return None
    log.info("trade %s: its entry is on the exchange already; resuming", prefix)
    legs = [
        (leg, order)
        for order in history
        if order.is_open and (leg := leg_of(prefix, order.client_order_id))
    ]
    legs.sort(key=lambda named: in_plan_order(named[0]))  # stable: a leg's generations in turn
    return [entry, *(order for _leg, order in legs)]
