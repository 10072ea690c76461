"""v1 account trade histories: manual orders and copied strategy trades, one paging scheme."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tradedesk.domain.paging import DEFAULT_LIMIT, UserHistory
from tradedesk.rest import representations as rep
from tradedesk.rest.contract import Contract, Endpoint
from tradedesk.rest.guards import caller
from tradedesk.rest.inputs import Inputs
from tradedesk.rest.params import LIMIT, NEXT_TOKEN, START
from tradedesk.rest.responses import JSON


def _history_route(
    service: str, represent: Callable[[Any], Mapping[str, Any]]
) -> Callable[[Request], Awaitable[Response]]:
    """`start`, `limit` (default 30, at most 1000) and `nextToken`, newest first."""

    async def history_page(request: Request) -> Response:
        principal = await caller(request)
        history: UserHistory[Any, Any] = getattr(request.app.state.services, service)
        inputs = Inputs(request)
        start = inputs.query(START, None)
        limit = inputs.query(LIMIT, DEFAULT_LIMIT)
        token = NEXT_TOKEN.parsed_by(lambda raw: history.parse_token(principal, raw))
        after = inputs.query(token, None)
        inputs.valid()
        page = await history.page(principal, start=start, limit=limit, after=after)
        return JSON(
            {"items": [represent(item) for item in page.items], "nextToken": page.next_token}
        )

    return history_page


_PAGING = (START, LIMIT, NEXT_TOKEN)

ROUTES = [
    Endpoint(
        "GET",
        "/priv/account/trade/manual/history",
        _history_route("manual_history", rep.manual_trade),
        Contract(
            "The caller's manual trades, newest first",
            private=True,
            query=_PAGING,
            response=rep.Page[rep.ManualTradeBody],
        ),
    ),
    Endpoint(
        "GET",
        "/priv/account/trade/strategy/history",
        _history_route("strategy_history", rep.copied_trade),
        Contract(
            "The caller's copied strategy trades, newest first",
            private=True,
            query=_PAGING,
            response=rep.Page[rep.CopiedTradeBody],
        ),
    ),
]
