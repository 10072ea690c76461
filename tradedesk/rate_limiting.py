"""Rate limits at the edge: every HTTP request is counted against its caller's budget before
anything else runs, and one over it gets the documented 429 with `Retry-After`.

REST writes (POST, PUT, PATCH, DELETE) spend the write budget; GraphQL requests spend the
read budget here, and a mutation spends the write budget too once the view knows it is one
(`refused_write`). v1 routes whose contract reaches the exchange also spend the exchange
budget, and an authenticated request also spends its IP's budget. A caller is a verified
user (by the token's subject, whichever of their tokens they send); a request whose token does
not verify is anonymous and counts against its IP, so made-up tokens earn no budgets. Health
and metrics probes and the signed webhooks are never limited.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from tradedesk.domain.identity.authentication import Identity
from tradedesk.integrations.rate_limits import RequestLimits
from tradedesk.raw_responses import send_json

EXEMPT_PATHS = ("/healthz", "/readyz", "/metrics")
EXEMPT_PREFIXES = ("/webhooks/",)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOO_MANY = orjson.dumps({"message": "too many requests"})


CALLER = "rate_limited_caller"  # where the middleware leaves the caller for `refused_write`


async def caller_of(scope: Scope, identity: Identity) -> str:
    """Who the request counts against: the verified user, else its IP."""
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value.strip():
            subject = await identity.subject_of(value.decode("latin-1"))
            if subject is not None:
                return "user:" + hashlib.sha256(subject.encode()).hexdigest()[:32]
    return ip_of(scope)


def ip_of(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def _ip_if_authenticated(caller: str, scope: Scope) -> str | None:
    return ip_of(scope) if caller.startswith("user:") else None


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
    caller = request.scope["state"][CALLER]
    ip = _ip_if_authenticated(caller, request.scope)
    return await limits.refused(caller, ip=ip, write=True)


async def too_many(send: Send, retry_after: int) -> None:
    await send_json(send, 429, TOO_MANY, [(b"retry-after", str(retry_after).encode())])


class RateLimitMiddleware:
    def __init__(
        self, app: ASGIApp, limits: RequestLimits, exchange: ExchangeRoutes, identity: Identity
    ) -> None:
        self.app = app
        self.limits = limits
        self.exchange = exchange
        self.identity = identity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        write = scope["method"] in WRITES and path != "/graphql"
        caller = await caller_of(scope, self.identity)
        scope.setdefault("state", {})[CALLER] = caller
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
