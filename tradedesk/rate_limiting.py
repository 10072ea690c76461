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
from starlette.types import Scope, Send

from tradedesk.domain.identity.authentication import Identity
from tradedesk.integrations.rate_limits import RequestLimits
from tradedesk.raw_responses import send_json

EXEMPT_PATHS = ("/healthz", "/readyz", "/metrics")
EXEMPT_PREFIXES = ("/webhooks/",)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOO_MANY = orjson.dumps({"message": "too many requests"})


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
CALLER = "rate_limited_caller"  # where the middleware leaves the caller for `refused_write`


async def caller_of(scope: Scope, authorization: bytes | None, identity: Identity) -> str:
    """Who the request counts against: the verified user, else its IP."""
    if authorization and authorization.strip():
        subject = await identity.subject_of(authorization.decode("latin-1"))
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
    mounted at `prefix` (the v1 endpoints whose contract says so), as one expression a
    method, so that a request costs one match."""

    def __init__(self, routes: Iterable[tuple[str, re.Pattern[str]]], prefix: str) -> None:
        by_method: dict[str, list[str]] = {}
        for method, pattern in routes:
            unnamed = _NAMED_GROUP.sub("(?:", pattern.pattern.lstrip("^"))  # names would clash
            by_method.setdefault(method, []).append(unnamed)
        self._patterns = {
            method: re.compile(
                re.escape(prefix) + "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"
            )
            for method, patterns in by_method.items()
        }

    def __contains__(self, scope: Scope) -> bool:
        pattern = self._patterns.get(scope["method"])
        return pattern is not None and pattern.match(scope["path"]) is not None


async def refused_write(request: Request) -> int | None:
    """For a GraphQL mutation: the seconds to wait when the caller spent its write budget."""
    limits: RequestLimits = request.app.state.request_limits
    caller = request.scope["state"][CALLER]
    ip = _ip_if_authenticated(caller, request.scope)
    return await limits.refused(caller, ip=ip, write=True)


async def too_many(send: Send, retry_after: int) -> None:
    await send_json(send, 429, TOO_MANY, [(b"retry-after", str(retry_after).encode())])


class RequestGate:
    """The edge's check of an HTTP request against the budgets it spends."""

    def __init__(self, limits: RequestLimits, exchange: ExchangeRoutes, identity: Identity) -> None:
        self.limits = limits
        self.exchange = exchange
        self.identity = identity

    async def refused(self, scope: Scope, authorization: bytes | None) -> int | None:
        """None when the request may run (and is counted), else the seconds to wait."""
        path = scope["path"]
        if path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES):
            return None
        write = scope["method"] in WRITES and path != "/graphql"
        caller = await caller_of(scope, authorization, self.identity)
        scope["state"][CALLER] = caller
        return await self.limits.refused(
            caller,
            ip=_ip_if_authenticated(caller, scope),
            write=write,
            exchange=scope in self.exchange,
        )
