"""The catalog lists (plans, risk profiles, strategies), rendered once per catalog snapshot.

Every page of the app asks for them; they change only when an operator changes the catalog, and
the catalog's snapshot version says when that happened, so the rendered bytes are reused until
then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from tradedesk.domain.catalog.public import CatalogSnapshot
from tradedesk.domain.services import Services
from tradedesk.raw_responses import send_json
from tradedesk.rest import representations as rep


class CatalogBodies:
    """Each catalog list rendered once per catalog snapshot, then served as bytes."""

    def __init__(self) -> None:
        self._version = -1
        self._bodies: dict[str, bytes] = {}

    async def body(self, services: Services, name: str) -> bytes:
        snapshot = await services.catalog.snapshot()
        if snapshot.version != self._version:
            self._version, self._bodies = snapshot.version, {}
        body = self._bodies.get(name)
        if body is None:
            body = self._bodies[name] = orjson.dumps({"items": _RENDER[name](snapshot)})
        return body


_RENDER: dict[str, Callable[[CatalogSnapshot], Sequence[Mapping[str, Any]]]] = {
    "plans": lambda snapshot: [rep.plan(item) for item in snapshot.public_plans],
    "risk_profiles": lambda snapshot: [rep.risk_profile(item) for item in snapshot.risk_profiles],
    "strategies": lambda snapshot: [rep.strategy(item) for item in snapshot.strategies],
}


class CatalogList:
    """The route's ASGI app for one catalog list: the cached bytes, sent as they are. A plain
    ASGI app, not a Starlette endpoint, because the request and response objects an endpoint
    is handed cost more than serving the bytes."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, scope: Scope, _receive: Receive, send: Send) -> None:
        state = scope["app"].state
        await send_json(send, 200, await state.rest_catalog_bodies.body(state.services, self.name))
