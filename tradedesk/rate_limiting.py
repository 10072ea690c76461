"""Rate limits at the edge: every HTTP request is counted against its caller's budget before
anything else runs, and one over it gets the documented 429 with `Retry-After`.

REST writes (POST, PUT, PATCH, DELETE) spend the write budget; GraphQL requests spend the
read budget here, and a mutation spends the write budget too once the view knows it is one
(`refused_write`). v1 routes whose contract reaches the exchange also spend the exchange
budget, and an authenticated request also spends its IP's budget. Health and metrics probes
and the signed webhooks are never limited.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from tradedesk.integrations.rate_limits import RequestLimits
from tradedesk.raw_responses import send_json

EXEMPT_PATHS = ("/healthz", "/readyz", "/metrics")
EXEMPT_PREFIXES = ("/webhooks/",)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOO_MANY = orjson.dumps({"message": "too many requests"})


def caller_of(scope: Scope) -> str:
    """Who the request counts against: its bearer token's digest, else its IP."""
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value.strip():
            return "token:" + hashlib.sha256(value.strip()).hexdigest()[:32]
    return ip_of(scope)


def ip_of(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def _ip_if_authenticated(caller: str, scope: Scope) -> str | None:
    return ip_of(scope) if caller.startswith("token:") else None


class ExchangeRoutes:
    """Which requests reach the exchange: (method, route path regex) pairs of the routes
    mounted at `prefix` (the v1 endpoints whose contract says so)."""

    def __init__(self, routes: Iterable[tuple[str, re.Pattern[str]]], prefix: str) -> None:
        self._patterns = [
            (method, re.compile(re.escape(prefix) + pattern.pattern.lstrip("^")))
            for method, pattern in routes
        ]

    def __contains__(self, scope: Scope) -> bool:
        method, path = scope["method"], scope["path"]
        return any(m == method and p.match(path) for m, p in self._patterns)


async def refused_write(request: Request) -> int | None:
    """For a GraphQL mutation: the seconds to wait when the caller spent its write budget."""
    limits: RequestLimits = request.app.state.request_limits
    caller = caller_of(request.scope)
    ip = _ip_if_authenticated(caller, request.scope)
    return await limits.refused(caller, ip=ip, write=True)


async def too_many(send: Send, retry_after: int) -> None:
    await send_json(send, 429, TOO_MANY, [(b"retry-after", str(retry_after).encode())])


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: RequestLimits, exchange: ExchangeRoutes) -> None:
        self.app = app
        self.limits = limits
        self.exchange = exchange

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        write = scope["method"] in WRITES and path != "/graphql"
        caller = caller_of(scope)
        retry_after = await self.limits.refused(
            caller,
            ip=_ip_if_authenticated(caller, scope),
            write=write,
            exchange=scope in self.exchange,
        )
        if retry_after is not None:
            await too_many(send, retry_after)
            return
        await self.app(scope, receive, send)
