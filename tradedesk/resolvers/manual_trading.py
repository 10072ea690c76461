"""Resolvers of a key's exchange state (`exchangeKey(id) { openOrders ... }`) and of the
manual trading mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from tradedesk.domain.errors import FieldError
from tradedesk.domain.market.exchange import Order, Position, Trade
from tradedesk.domain.trading.manual_orders import parse_idempotency_key, parse_manual_order
from tradedesk.domain.trading.manual_trading import (
    parse_leverage_change,
    parse_margin_change,
    parse_symbol_field,
)
from tradedesk.domain.validation import FieldCollector
from tradedesk.resolvers.account import payload
from tradedesk.resolvers.arguments import argument
from tradedesk.resolvers.public import GraphInfo


def _symbol(raw: str) -> str:
    return argument("symbol", raw, parse_symbol_field)


async def open_orders(info: GraphInfo, key_id: str, symbol: str) -> list[Order]:
    caller = await info.context.principal()
    trading = info.context.services.manual_trading
    return await trading.open_orders(caller, key_id, _symbol(symbol))


async def orders(info: GraphInfo, key_id: str, symbol: str) -> list[Order]:
    caller = await info.context.principal()
    trading = info.context.services.manual_trading
    return await trading.order_history(caller, key_id, _symbol(symbol))


async def trades(info: GraphInfo, key_id: str, symbol: str) -> list[Trade]:
    caller = await info.context.principal()
    return await info.context.services.manual_trading.trades(caller, key_id, _symbol(symbol))


async def position(info: GraphInfo, key_id: str, symbol: str) -> Position | None:
    caller = await info.context.principal()
    return await info.context.services.manual_trading.position(caller, key_id, _symbol(symbol))


async def place_order(
    info: GraphInfo, key_id: str, fields: Mapping[str, object], idempotency_key: str | None
) -> tuple[list[Order] | None, list[FieldError]]:
    caller = await info.context.principal()
    orders = info.context.services.manual_orders

    async def place() -> list[Order]:
        collector = FieldCollector()
        if idempotency_key is not None:
            collector.parse("idempotencyKey", idempotency_key, parse_idempotency_key)
        order = parse_manual_order(fields)
        collector.raise_if_invalid()
        return await orders.place(caller, key_id, order, idempotency_key=idempotency_key)

    return await payload(place)


async def close_position(
    info: GraphInfo, key_id: str, symbol: str
) -> tuple[bool, list[FieldError]]:
    caller = await info.context.principal()
    trading = info.context.services.manual_trading
    return await _done(lambda: trading.close_position(caller, key_id, _symbol(symbol)))


async def set_leverage(
    info: GraphInfo, key_id: str, fields: Mapping[str, object]
) -> tuple[bool, list[FieldError]]:
    caller = await info.context.principal()
    trading = info.context.services.manual_trading
    return await _done(lambda: trading.set_leverage(caller, key_id, parse_leverage_change(fields)))


async def set_margin_type(
    info: GraphInfo, key_id: str, fields: Mapping[str, object]
) -> tuple[bool, list[FieldError]]:
    caller = await info.context.principal()
    trading = info.context.services.manual_trading
    return await _done(lambda: trading.set_margin_type(caller, key_id, parse_margin_change(fields)))


async def _done(change: Callable[[], Awaitable[object]]) -> tuple[bool, list[FieldError]]:
    """(True, []) once the change is made; (False, field errors) for invalid input."""

    async def run() -> bool:
        await change()
        return True

    done, errors = await payload(run)
    return bool(done), errors
