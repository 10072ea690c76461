"""The catalog lists (plans, risk profiles, strategies), rendered once per catalog snapshot.

Every page of the app asks for them; they change only when an operator changes the catalog, and
the catalog's snapshot version says when that happened, so the rendered bytes are reused until
then.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tradedesk.domain.catalog.public import CatalogSnapshot
from tradedesk.domain.services import Services
from tradedesk.rest import representations as rep


class CatalogBodies:
    """Each catalog list rendered once per catalog snapshot, then served as bytes."""

    def __init__(self) -> None:
        self._version = -1
        self._bodies: dict[str, bytes] = {}

    async def response(self, request: Request, name: str) -> Response:
        services: Services = request.app.state.services
        snapshot = await services.catalog.snapshot()
        if snapshot.version != self._version:
            self._version, self._bodies = snapshot.version, {}
        body = self._bodies.get(name)
        if body is None:
            body = self._bodies[name] = orjson.dumps({"items": _RENDER[name](snapshot)})
        return Response(body, media_type="application/json")


_RENDER: dict[str, Callable[[CatalogSnapshot], Sequence[Mapping[str, Any]]]] = {
    "plans": lambda snapshot: [rep.plan(item) for item in snapshot.public_plans],
    "risk_profiles": lambda snapshot: [rep.risk_profile(item) for item in snapshot.risk_profiles],
    "strategies": lambda snapshot: [rep.strategy(item) for item in snapshot.strategies],
}


def catalog_list(name: str) -> Callable[[Request], Awaitable[Response]]:
    """A route endpoint serving one catalog list from the app's CatalogBodies."""

    async def endpoint(request: Request) -> Response:
        return await request.app.state.rest_catalog_bodies.response(request, name)

    return endpoint
