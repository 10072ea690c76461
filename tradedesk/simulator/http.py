"""Binance's REST API over the engine, on one port: `/api/v3` (spot) and `/fapi` (USDT-M),
with the USDT-M user-data stream's listen keys and WebSocket routes beside it.

What ccxt's `binance` and `binanceusdm` call to load markets, read tickers, balances, orders,
trades and positions, place and cancel orders (conditional ones through the futures Algo
Order API, as Binance requires since 2025-12), and set leverage and margin type. Signed
endpoints check the API key, Binance's HMAC-SHA256 signature and the timestamp window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tradedesk.simulator import binance_json, signing
from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.errors import ExchangeError
from tradedesk.simulator.faults import (
    BANNED,
    MALFORMED_BODY,
    PROXY_ERROR_PAGE,
    UNAVAILABLE,
    Fault,
    FaultKind,
    Faults,
)
from tradedesk.simulator.limits import RateLimiter, RateLimits, TooManyRequests, request_weight
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import MarginType, OrderType, Side, TriggerType
from tradedesk.simulator.user_stream import UserStreams

Handler = Callable[[Request], Awaitable[Any]]
TIMES_IN_FORCE = frozenset({"GTC", "IOC", "FOK", "GTX", "GTD", "GTE_GTC"})


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _status_of(error: ExchangeError) -> int:
    """Binance answers bad credentials with 401, everything else it refuses with 400."""
    return 401 if error.code in (-2014, -2015, -1022) else 400


def _refusal(fault: Fault) -> Response | None:
    """The answer of a fault that stops a request before the engine sees it, if it is one."""
    match fault.kind:
        case FaultKind.OUTAGE:
            return _json(UNAVAILABLE, fault.status)
        case FaultKind.FAILURE:
            return Response(PROXY_ERROR_PAGE, fault.status, media_type="text/html")
        case FaultKind.BAN:
            response = _json(BANNED, fault.status)
            response.headers["Retry-After"] = str(round(fault.seconds))
            return response
        case FaultKind.DROP if not fault.executed:
            return _Dropped()
    return None


async def _misbehave(fault: Fault, response: Response) -> Response:
    """What becomes of an executed request's answer under a fault."""
    match fault.kind:
        case FaultKind.LATENCY:
            await asyncio.sleep(fault.seconds)
        case FaultKind.MALFORMED:
            return Response(MALFORMED_BODY, 200, media_type="application/json")
        case FaultKind.DROP:
            return _Dropped()
    return response


class _Dropped(Response):
    """An answer cut off mid-body: the headers promise more than ever arrives, then the
    connection closes."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"sym', "more_body": True})
        raise ConnectionAbortedError("the venue dropped the connection mid-answer")


def facade(
    engine: PaperExchange,
    limits: RateLimits | None = None,
    faults: Faults | None = None,
    *,
    limits_clock: Callable[[], int] | None = None,
    streams: UserStreams | None = None,
) -> Starlette:
    """The engine behind Binance's HTTP API and user-data stream. `limits_clock`
    (milliseconds) places the rate limits' minute windows apart from the exchange's clock, for
    tests that need to know where in its minute the exchange is; `streams` are the listen
    keys and stream connections (one with an hour's listen keys if not given)."""
    limiter = RateLimiter(limits or RateLimits(), limits_clock or engine.now_ms)
    faults = faults or Faults()
    streams = streams or UserStreams(engine)

    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            ip = request.client.host if request.client else "unknown"
            fault = await faults.fault_for(request.url.path)
            if fault is not None and (refusal := _refusal(fault)) is not None:
                return refusal
            try:
                weight = request_weight(
                    request.method, request.url.path, has_symbol="symbol" in request.query_params
                )
                used = limiter.request(ip, weight)
                response = _json(await handler(request))
                response.headers["X-MBX-USED-WEIGHT-1M"] = str(used)
                return await _misbehave(fault, response) if fault is not None else response
            except TooManyRequests as error:
                response = _json({"code": error.code, "msg": error.msg}, error.status)
                response.headers["Retry-After"] = str(error.retry_after)
                return response
            except ExchangeError as error:
                return _json({"code": error.code, "msg": error.msg}, _status_of(error))

        return run

    def kind_of(request: Request) -> Kind:
        return Kind.SPOT if request.url.path.startswith("/api/") else Kind.FUTURES

    async def ping(_request: Request) -> dict[str, Any]:
        return {}

    async def server_time(_request: Request) -> dict[str, Any]:
        return {"serverTime": engine.now_ms()}

    async def exchange_info(request: Request) -> dict[str, Any]:
        markets = list(engine.markets.values())
        return binance_json.exchange_info(markets, kind_of(request), engine.now_ms())

    async def ticker_24hr(request: Request) -> Any:
        kind = kind_of(request)
        symbol = request.query_params.get("symbol")
        if symbol is not None:
            market = engine.market(kind, symbol)
            return binance_json.ticker_24hr(market, engine.day(kind, symbol))
        return [
            binance_json.ticker_24hr(market, engine.day(kind, market.id))
            for market in engine.markets.values()
            if market.kind is kind
        ]

    def signed(handler: Callable[[Request, str, dict[str, str]], Awaitable[Any]]) -> Handler:
        async def run(request: Request) -> Any:
            params = signing.verify(
                engine,
                api_key=request.headers.get(signing.API_KEY_HEADER),
                query=request.url.query,
                body=(await request.body()).decode(),
            )
            return await handler(request, request.headers[signing.API_KEY_HEADER], params)

        return run

    def keyed(handler: Callable[[str], Any]) -> Handler:
        """An endpoint that takes only the API key header (Binance's USER_STREAM ones)."""

        async def run(request: Request) -> Any:
            api_key = request.headers.get(signing.API_KEY_HEADER)
            signing.identify(engine, api_key)
            assert api_key is not None
            return handler(api_key)

        return run

    def close_listen_key(api_key: str) -> dict[str, Any]:
        streams.close(api_key)
        return {}

    # spot -------------------------------------------------------------------------------

    async def spot_account(_request: Request, key: str, _params: dict[str, str]) -> Any:
        return binance_json.spot_account(engine.account(key), engine.now_ms())

    async def spot_new_order(_request: Request, key: str, params: dict[str, str]) -> Any:
        symbol = _required(params, "symbol")
        limiter.new_order(key)
        before = len(engine.fills(key, Kind.SPOT))
        order = engine.place_order(key, Kind.SPOT, symbol, **_order_args(params))
        fills = engine.fills(key, Kind.SPOT)[before:]
        return binance_json.spot_order(order, [f for f in fills if f.order_id == order.order_id])

    async def spot_cancel(_request: Request, key: str, params: dict[str, str]) -> Any:
        order = engine.cancel_order(key, Kind.SPOT, _required(params, "symbol"), **_which(params))
        return binance_json.spot_order(order)

    async def spot_query(_request: Request, key: str, params: dict[str, str]) -> Any:
        symbol = _required(params, "symbol")
        return binance_json.spot_order(engine.find_order(key, Kind.SPOT, symbol, **_which(params)))

    async def spot_orders(request: Request, key: str, params: dict[str, str]) -> Any:
        listed = _listing(engine.orders, engine.open_orders, request, key, Kind.SPOT, params)
        return [binance_json.spot_order(order) for order in listed]

    async def spot_cancel_all(_request: Request, key: str, params: dict[str, str]) -> Any:
        orders = engine.cancel_all(key, Kind.SPOT, _required(params, "symbol"))
        return [binance_json.spot_order(order) for order in orders]

    async def spot_trades(_request: Request, key: str, params: dict[str, str]) -> Any:
        fills = engine.fills(key, Kind.SPOT, _required(params, "symbol"))
        return [binance_json.spot_trade(fill) for fill in fills]

    # futures ----------------------------------------------------------------------------

    async def futures_account(_request: Request, key: str, _params: dict[str, str]) -> Any:
        return binance_json.futures_account(engine, engine.account(key), engine.now_ms())

    async def futures_balance(_request: Request, key: str, _params: dict[str, str]) -> Any:
        return binance_json.futures_account(engine, engine.account(key), engine.now_ms())["assets"]

    async def position_risk(_request: Request, key: str, params: dict[str, str]) -> Any:
        account = engine.account(key)
        wanted = params.get("symbol")
        return [
            binance_json.position_risk(engine, account, account.position(market.id))
            for market in engine.markets.values()
            if market.kind is Kind.FUTURES and wanted in (None, market.id)
        ]

    async def futures_new_order(_request: Request, key: str, params: dict[str, str]) -> Any:
        if params.get("type") in TriggerType.__members__:
            raise ExchangeError(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API "
                "endpoints instead.",
            )
        symbol = _required(params, "symbol")
        limiter.new_order(key)
        order = engine.place_order(key, Kind.FUTURES, symbol, **_order_args(params))
        return binance_json.futures_order(order)

    async def futures_cancel(_request: Request, key: str, params: dict[str, str]) -> Any:
        symbol = _required(params, "symbol")
        return binance_json.futures_order(
            engine.cancel_order(key, Kind.FUTURES, symbol, **_which(params))
        )

    async def futures_query(_request: Request, key: str, params: dict[str, str]) -> Any:
        symbol = _required(params, "symbol")
        order = engine.find_order(key, Kind.FUTURES, symbol, **_which(params))
        return binance_json.futures_order(order)

    async def futures_orders(request: Request, key: str, params: dict[str, str]) -> Any:
        listed = _listing(engine.orders, engine.open_orders, request, key, Kind.FUTURES, params)
        return [binance_json.futures_order(order) for order in listed]

    async def futures_cancel_all(_request: Request, key: str, params: dict[str, str]) -> Any:
        symbol = _required(params, "symbol")
        engine.cancel_all(key, Kind.FUTURES, symbol)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    async def cancel_all_algo(_request: Request, key: str, params: dict[str, str]) -> Any:
        """Binance keeps algo orders apart: `allOpenOrders` leaves them, this clears them."""
        symbol = _required(params, "symbol")
        for conditional in engine.open_conditionals(key, Kind.FUTURES, symbol):
            engine.cancel_conditional(key, Kind.FUTURES, symbol, algo_id=conditional.algo_id)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    async def futures_trades(_request: Request, key: str, params: dict[str, str]) -> Any:
        fills = engine.fills(key, Kind.FUTURES, _required(params, "symbol"))
        return [binance_json.futures_trade(fill) for fill in fills]

    async def new_algo_order(_request: Request, key: str, params: dict[str, str]) -> Any:
        type_name = _required(params, "type")
        if type_name not in TriggerType.__members__:
            raise ExchangeError(-1116, "Invalid orderType.")
        limiter.new_order(key)
        conditional = engine.place_conditional(
            key,
            Kind.FUTURES,
            _required(params, "symbol"),
            side=_side(params),
            type=TriggerType(type_name),
            quantity=_decimal(params, "quantity"),
            trigger_price=_decimal(params, "triggerPrice"),
            price=_decimal(params, "price"),
            callback_rate=_decimal(params, "callbackRate"),
            activation_price=_decimal(params, "activatePrice"),
            reduce_only=params.get("reduceOnly", "false").lower() == "true",
            close_position=params.get("closePosition", "false").lower() == "true",
            client_algo_id=params.get("clientAlgoId"),
            time_in_force=_time_in_force(params),
        )
        return binance_json.algo_order(conditional)

    async def cancel_algo_order(_request: Request, key: str, params: dict[str, str]) -> Any:
        symbol = _required(params, "symbol")
        conditional = engine.cancel_conditional(
            key,
            Kind.FUTURES,
            symbol,
            algo_id=_integer(params, "algoId"),
            client_algo_id=params.get("clientAlgoId"),
        )
        return binance_json.algo_order(conditional)

    async def algo_query(_request: Request, key: str, params: dict[str, str]) -> Any:
        algo_id, client_algo_id = _integer(params, "algoId"), params.get("clientAlgoId")
        if algo_id is None and not client_algo_id:
            raise ExchangeError(-1102, "Param 'clientAlgoId' or 'algoId' must be sent.")
        conditional = engine.find_conditional(
            key, Kind.FUTURES, params.get("symbol"), algo_id=algo_id, client_algo_id=client_algo_id
        )
        return binance_json.algo_order(conditional)

    async def algo_orders(request: Request, key: str, params: dict[str, str]) -> Any:
        listing = engine.open_conditionals if "open" in request.url.path else engine.conditionals
        found = listing(key, Kind.FUTURES, params.get("symbol"))
        return [binance_json.algo_order(conditional) for conditional in found]

    async def leverage(_request: Request, key: str, params: dict[str, str]) -> Any:
        symbol = _required(params, "symbol")
        try:
            value = int(_required(params, "leverage"))
        except ValueError:
            raise ExchangeError(
                -1102, "Illegal characters found in parameter 'leverage'."
            ) from None
        cap = engine.set_leverage(key, symbol, value)
        return {"leverage": value, "maxNotionalValue": binance_json.number(cap), "symbol": symbol}

    async def margin_type(_request: Request, key: str, params: dict[str, str]) -> Any:
        wanted = _required(params, "marginType").upper()
        if wanted not in ("ISOLATED", "CROSSED"):
            raise ExchangeError(-1102, "Invalid marginType.")
        engine.set_margin_type(key, _required(params, "symbol"), MarginType(wanted))
        return {"code": 200, "msg": "success"}

    async def leverage_brackets(_request: Request, _key: str, params: dict[str, str]) -> Any:
        wanted = params.get("symbol")
        return [
            binance_json.leverage_brackets(market)
            for market in engine.markets.values()
            if market.kind is Kind.FUTURES and wanted in (None, market.id)
        ]

    async def position_mode(_request: Request, key: str, _params: dict[str, str]) -> Any:
        return {"dualSidePosition": engine.account(key).hedge_mode}

    async def api_restrictions(_request: Request, key: str, _params: dict[str, str]) -> Any:
        account = engine.account(key)
        return {
            "ipRestrict": account.ip_restricted,
            "createTime": 1700000000000,
            "enableReading": True,
            "enableSpotAndMarginTrading": True,
            "enableFutures": True,
            "enableWithdrawals": account.can_withdraw,
            "enableInternalTransfer": False,
            "enableMargin": False,
            "permitsUniversalTransfer": False,
            "enableVanillaOptions": False,
            "enablePortfolioMarginTrading": False,
        }

    routes = []
    for prefix in ("/api/v3", "/fapi/v1"):
        routes += [
            Route(f"{prefix}/ping", endpoint(ping)),
            Route(f"{prefix}/time", endpoint(server_time)),
            Route(f"{prefix}/exchangeInfo", endpoint(exchange_info)),
            Route(f"{prefix}/ticker/24hr", endpoint(ticker_24hr)),
        ]
    private = [
        ("GET", "/api/v3/account", spot_account),
        ("POST", "/api/v3/order", spot_new_order),
        ("DELETE", "/api/v3/order", spot_cancel),
        ("GET", "/api/v3/order", spot_query),
        ("GET", "/api/v3/openOrders", spot_orders),
        ("GET", "/api/v3/allOrders", spot_orders),
        ("DELETE", "/api/v3/openOrders", spot_cancel_all),
        ("GET", "/api/v3/myTrades", spot_trades),
        ("GET", "/fapi/v2/account", futures_account),
        ("GET", "/fapi/v3/account", futures_account),
        ("GET", "/fapi/v2/balance", futures_balance),
        ("GET", "/fapi/v3/balance", futures_balance),
        ("GET", "/fapi/v2/positionRisk", position_risk),
        ("GET", "/fapi/v3/positionRisk", position_risk),
        ("POST", "/fapi/v1/order", futures_new_order),
        ("DELETE", "/fapi/v1/order", futures_cancel),
        ("GET", "/fapi/v1/order", futures_query),
        ("GET", "/fapi/v1/openOrders", futures_orders),
        ("GET", "/fapi/v1/allOrders", futures_orders),
        ("DELETE", "/fapi/v1/allOpenOrders", futures_cancel_all),
        ("GET", "/fapi/v1/userTrades", futures_trades),
        ("POST", "/fapi/v1/algoOrder", new_algo_order),
        ("DELETE", "/fapi/v1/algoOrder", cancel_algo_order),
        ("GET", "/fapi/v1/algoOrder", algo_query),
        ("DELETE", "/fapi/v1/algoOpenOrders", cancel_all_algo),
        ("GET", "/fapi/v1/openAlgoOrders", algo_orders),
        ("GET", "/fapi/v1/allAlgoOrders", algo_orders),
        ("POST", "/fapi/v1/leverage", leverage),
        ("POST", "/fapi/v1/marginType", margin_type),
        ("GET", "/fapi/v1/positionSide/dual", position_mode),
        ("GET", "/sapi/v1/account/apiRestrictions", api_restrictions),
        ("GET", "/fapi/v1/leverageBracket", leverage_brackets),
    ]
    routes += [
        Route(path, endpoint(signed(handler)), methods=[method])
        for method, path, handler in private
    ]
    user_stream_keys = [
        ("POST", lambda api_key: {"listenKey": streams.open(api_key)}),
        ("PUT", lambda api_key: {"listenKey": streams.keep_alive(api_key)}),
        ("DELETE", close_listen_key),
    ]
    routes += [
        Route("/fapi/v1/listenKey", endpoint(keyed(handler)), methods=[method])
        for method, handler in user_stream_keys
    ]
    app = Starlette(routes=[*routes, *streams.routes()])
    app.state.limiter, app.state.streams = limiter, streams  # for the control surface
    return app


def _required(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise ExchangeError(
            -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
        )
    return value


def _decimal(params: dict[str, str], name: str) -> Decimal | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():  # NaN or Infinity cannot be compared or quantized: refuse
        raise ExchangeError(-1102, f"Illegal characters found in parameter '{name}'.")
    return number


def _integer(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.lstrip("-").isdigit()):
        raise ExchangeError(-1102, f"Illegal characters found in parameter '{name}'.")
    return int(value)


def _side(params: dict[str, str]) -> Side:
    try:
        return Side(_required(params, "side"))
    except ValueError:
        raise ExchangeError(-1117, "Invalid side.") from None


def _order_args(params: dict[str, str]) -> dict[str, Any]:
    order_type = OrderType.__members__.get(_required(params, "type"))
    if order_type not in (OrderType.MARKET, OrderType.LIMIT):
        raise ExchangeError(-1116, "Invalid orderType.")
    quantity = _decimal(params, "quantity")
    if quantity is None:
        raise ExchangeError(
            -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."
        )
    return {
        "side": _side(params),
        "type": order_type,
        "quantity": quantity,
        "price": _decimal(params, "price"),
        "time_in_force": _time_in_force(params),
        "reduce_only": params.get("reduceOnly", "false").lower() == "true",
        "client_order_id": params.get("newClientOrderId"),
    }


def _time_in_force(params: dict[str, str]) -> str:
    value = params.get("timeInForce", "GTC")
    if value not in TIMES_IN_FORCE:
        raise ExchangeError(-1115, "Invalid timeInForce.")
    return value


def _which(params: dict[str, str]) -> dict[str, Any]:
    """The order a cancel names: by `orderId` or `origClientOrderId`."""
    order_id = _integer(params, "orderId")
    client_id = params.get("origClientOrderId")
    if order_id is None and not client_id:
        raise ExchangeError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent.")
    return {"order_id": order_id, "client_order_id": client_id}


def _listing(
    all_orders: Callable[[str, Kind, str], Any],
    open_orders: Callable[[str, Kind, str | None], Any],
    request: Request,
    key: str,
    kind: Kind,
    params: dict[str, str],
) -> Any:
    """openOrders lists what is open (any symbol); allOrders everything of one symbol."""
    if request.url.path.endswith("openOrders"):
        return open_orders(key, kind, params.get("symbol"))
    return all_orders(key, kind, _required(params, "symbol"))
