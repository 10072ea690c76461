"""The simulator's control surface, for tests and demos (`tradedesk simulator --control`): set a
price and run what it triggers, make the next triggers fail, switch the venue's faults on and
off. Off by default: a venue anybody can move is no venue to practise on.

- `POST /_simulator/price` `{"symbol": "BTCUSDT", "price": "20500.5"}`: that symbol's last and
  mark price, spot and futures alike; the walk no longer moves it.
- `POST /_simulator/algo-reject` `{"symbol": "BTCUSDT", "times": 1}`: the next `times`
  conditional orders to trigger on the symbol end REJECTED instead of placing their order.
- `POST /_simulator/algo-hold` `{"symbol": "BTCUSDT", "times": 1}`: the next `times` stay
  TRIGGERING, their order never placed, until cancelled (Binance's engine under load).
- `POST /_simulator/faults` `{"kind": "outage", "pathPrefix": "/fapi", "times": 2, ...}` (the
  fields of `faults.Fault`: kind, pathPrefix, times, after, seconds, status, stall, executed);
  `DELETE /_simulator/faults` clears them all.
- `GET /_simulator/usage`: the request weight each IP has spent since the start, and the
  user-data stream connections open and listen keys listened to (what benchmarks count).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.faults import Fault, FaultKind, Faults
from tradedesk.simulator.feeds import WalkFeed
from tradedesk.simulator.limits import RateLimiter
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.user_stream import UserStreams

MAX_PRICE = Decimal(10) ** 12
# a kind's answer where the request names no status
_STATUS = {FaultKind.FAILURE: 502, FaultKind.BAN: 418, FaultKind.MALFORMED: 200}


class _BadRequest(Exception):
    pass


def control_routes(
    engine: PaperExchange,
    faults: Faults,
    feed: WalkFeed | None,
    *,
    limiter: RateLimiter,
    streams: UserStreams,
) -> list[Route]:
    def handler(
        act: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                body = orjson.loads(await request.body() or b"{}")
                if not isinstance(body, dict):
                    raise _BadRequest("the body is a JSON object")
                return _json(act(body), 200)
            except orjson.JSONDecodeError:
                return _json({"error": "the body is not JSON"}, 400)
            except _BadRequest as problem:
                return _json({"error": str(problem)}, 400)

        return run

    def set_price(body: dict[str, Any]) -> dict[str, Any]:
        symbol = _text(body, "symbol")
        price = _positive(body, "price")
        kinds = [kind for kind in Kind if (kind, symbol) in engine.markets]
        if not kinds:
            raise _BadRequest(f"no market {symbol!r}")
        fills = []
        for kind in kinds:
            market = engine.market(kind, symbol)
            if not price.is_finite() or price > MAX_PRICE or price % market.tick_size:
                raise _BadRequest(f"price is a multiple of the tick {market.tick_size}")
        for kind in kinds:
            fills += engine.set_price(kind, symbol, price)
        if feed is not None:
            feed.hold(symbol)
        return {"symbol": symbol, "price": str(price), "fills": len(fills)}

    def triggers_to(counts: defaultdict[str, int]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """A handler setting how many of a symbol's next triggers go the odd way."""

        def set_count(body: dict[str, Any]) -> dict[str, Any]:
            symbol = _text(body, "symbol")
            if (Kind.FUTURES, symbol) not in engine.markets:
                raise _BadRequest(f"no futures market {symbol!r}")
            times = _whole(body, "times", least=0, default=1)
            counts[symbol] = times
            return {"symbol": symbol, "times": times}

        return set_count

    def add_fault(body: dict[str, Any]) -> dict[str, Any]:
        try:
            kind = FaultKind(str(body.get("kind")))
        except ValueError:
            raise _BadRequest(f"kind is one of {', '.join(FaultKind)}") from None
        times = body.get("times")
        fault = Fault(
            kind,
            _text(body, "pathPrefix", "/"),
            None if times is None else _whole(body, "times", least=1),
            _whole(body, "after", least=0, default=0),
            status=_whole(body, "status", least=100, most=599, default=_STATUS.get(kind, 503)),
            stall=_flag(body, "stall", default=False),
            seconds=_seconds(body, default=60 if kind is FaultKind.BAN else 0),
            executed=_flag(body, "executed", default=True),
        )
        faults.add(fault)
        return {
            "kind": fault.kind.value,
            "pathPrefix": fault.path_prefix,
            "times": fault.remaining,
            "after": fault.after,
            "status": fault.status,
            "stall": fault.stall,
            "seconds": fault.seconds,
            "executed": fault.executed,
        }

    async def usage(_request: Request) -> Response:
        return _json(
            {
                "weight": limiter.spent(),
                "streams": {
                    "connections": streams.connections(),
                    "listenKeys": len(streams.listened_keys()),
                },
            },
            200,
        )

    def clear_faults(_body: dict[str, Any]) -> dict[str, Any]:
        cleared = len(faults.faults)
        faults.clear()
        return {"cleared": cleared}

    return [
        Route("/_simulator/price", handler(set_price), methods=["POST"]),
        Route(
            "/_simulator/algo-reject",
            handler(triggers_to(engine.rejecting_triggers)),
            methods=["POST"],
        ),
        Route(
            "/_simulator/algo-hold", handler(triggers_to(engine.holding_triggers)), methods=["POST"]
        ),
        Route("/_simulator/faults", handler(add_fault), methods=["POST"]),
        Route("/_simulator/faults", handler(clear_faults), methods=["DELETE"]),
        Route("/_simulator/usage", usage, methods=["GET"]),
    ]


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _text(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value:
        raise _BadRequest(f"{name} is required")
    return value


def _whole(
    body: dict[str, Any], name: str, *, least: int, most: int | None = None, default: int = 0
) -> int:
    value = body.get(name, default)
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < least
        or (most is not None and value > most)
    ):
        upper = f" to {most}" if most is not None else " or more"
        raise _BadRequest(f"{name} is a whole number, {least}{upper}")
    return value


def _flag(body: dict[str, Any], name: str, *, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise _BadRequest(f"{name} is true or false")
    return value


def _seconds(body: dict[str, Any], *, default: float) -> float:
    value = body.get("seconds", default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
        raise _BadRequest("seconds is a number from 0 to 3600")
    return float(value)


def _positive(body: dict[str, Any], name: str) -> Decimal:
    try:
        value = Decimal(str(body.get(name)))
    except InvalidOperation:
        raise _BadRequest(f"{name} is a number") from None
    if not value.is_finite() or value <= 0:
        raise _BadRequest(f"{name} is a positive number")
    return value
