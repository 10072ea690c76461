"""v1 exchange routes of one key: orders, fills, position, leverage, margin, closing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tradedesk.domain.trading.manual_orders import parse_manual_order
from tradedesk.domain.trading.manual_trading import (
    ManualTrading,
    parse_leverage_change,
    parse_margin_change,
    parse_symbol_body,
)
from tradedesk.rest import bodies
from tradedesk.rest import representations as rep
from tradedesk.rest.contract import Contract, Endpoint
from tradedesk.rest.guards import caller
from tradedesk.rest.inputs import Inputs
from tradedesk.rest.params import IDEMPOTENCY_KEY, SYMBOL
from tradedesk.rest.responses import JSON

NO_CONTENT = 204


def _trading(request: Request) -> ManualTrading:
    return request.app.state.services.manual_trading


async def _key_and_symbol(request: Request) -> tuple[str, str]:
    """The path's key id and the required `symbol` query parameter, both valid."""
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    symbol = inputs.required_query(SYMBOL)
    inputs.valid()
    assert symbol is not None  # valid() raised its refusal otherwise
    return key_id, symbol


async def open_orders(request: Request) -> Response:
    principal = await caller(request)
    key_id, symbol = await _key_and_symbol(request)
    found = await _trading(request).open_orders(principal, key_id, symbol)
    return JSON([rep.order(item) for item in found])


async def order_history(request: Request) -> Response:
    principal = await caller(request)
    key_id, symbol = await _key_and_symbol(request)
    found = await _trading(request).order_history(principal, key_id, symbol)
    return JSON([rep.order(item) for item in found])


async def trade_history(request: Request) -> Response:
    principal = await caller(request)
    key_id, symbol = await _key_and_symbol(request)
    found = await _trading(request).trades(principal, key_id, symbol)
    return JSON([rep.trade(item) for item in found])


async def position(request: Request) -> Response:
    principal = await caller(request)
    key_id, symbol = await _key_and_symbol(request)
    found = await _trading(request).position(principal, key_id, symbol)
    return JSON(None if found is None else rep.position(found))


async def place_order(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    idempotency_key = inputs.header(IDEMPOTENCY_KEY, None)
    body = await inputs.json_object()
    order = inputs.fields(lambda: parse_manual_order(body), None)
    inputs.valid()
    assert order is not None
    orders = request.app.state.services.manual_orders
    placed = await orders.place(principal, key_id, order, idempotency_key=idempotency_key)
    return JSON([rep.order(item) for item in placed])


async def close_position(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    body = await inputs.json_object()
    symbol = inputs.fields(lambda: parse_symbol_body(body), "")
    inputs.valid()
    await _trading(request).close_position(principal, key_id, symbol)
    return Response(status_code=NO_CONTENT)


async def set_leverage(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    body = await inputs.json_object()
    change = inputs.fields(lambda: parse_leverage_change(body), None)
    inputs.valid()
    assert change is not None
    await _trading(request).set_leverage(principal, key_id, change)
    return Response(status_code=NO_CONTENT)


async def set_margin(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    body = await inputs.json_object()
    change = inputs.fields(lambda: parse_margin_change(body), None)
    inputs.valid()
    assert change is not None
    await _trading(request).set_margin_type(principal, key_id, change)
    return Response(status_code=NO_CONTENT)


def _read(summary: str, response: object) -> Contract:
    return Contract(
        summary, private=True, query=(SYMBOL,), response=response, reaches_exchange=True
    )


def _write(summary: str, body: type[bodies.BaseModel], response: object = None) -> Contract:
    return Contract(summary, private=True, body=body, response=response, reaches_exchange=True)


ROUTES = [
    Endpoint(
        "POST",
        "/priv/exchange/order/{key_id}",
        place_order,
        Contract(
            "Places an order with its take-profit ladder and stop (all or nothing)",
            private=True,
            headers=(IDEMPOTENCY_KEY,),
            body=bodies.ManualOrder,
            response=list[rep.OrderBody],
            reaches_exchange=True,
        ),
    ),
    Endpoint(
        "GET",
        "/priv/exchange/order/{key_id}/list",
        open_orders,
        _read("A key's open orders of one symbol", list[rep.OrderBody]),
    ),
    Endpoint(
        "GET",
        "/priv/exchange/order/{key_id}/history",
        order_history,
        _read("A key's orders of one symbol", list[rep.OrderBody]),
    ),
    Endpoint(
        "PUT",
        "/priv/exchange/order/{key_id}/leverage",
        set_leverage,
        _write("Sets a symbol's leverage", bodies.LeverageChange),
    ),
    Endpoint(
        "PUT",
        "/priv/exchange/order/{key_id}/margin",
        set_margin,
        _write("Sets a symbol's margin type", bodies.MarginChange),
    ),
    Endpoint(
        "GET",
        "/priv/exchange/trade/{key_id}/history",
        trade_history,
        _read("A key's fills of one symbol", list[rep.TradeBody]),
    ),
    Endpoint(
        "GET",
        "/priv/exchange/position/{key_id}",
        position,
        _read("A key's position in one symbol (null when flat)", rep.PositionBody | None),
    ),
    Endpoint(
        "DELETE",
        "/priv/exchange/position/{key_id}",
        close_position,
        _write("Closes a position and cancels its orders", bodies.ClosePosition),
    ),
]
