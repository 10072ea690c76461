"""The edge every HTTP request passes once, before any route: its request id, its rate
limits, the body size limit, one log line and one metric when answered, and the last line of
defence, an unexpected exception answered as a masked 500.

One ASGI callable does all of it in one pass over the headers: each layer of middleware
costs a coroutine frame and a wrapped `send` per request, as much as serving a cached
answer."""

from __future__ import annotations

import itertools
import os
import time

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradedesk.integrations.prometheus_metrics import observe_request
from tradedesk.logs import request_served, start_request
from tradedesk.rate_limiting import RequestGate, too_many
from tradedesk.raw_responses import send_json

log = structlog.get_logger("tradedesk.http")

REQUEST_ID_HEADER = b"x-request-id"
TOO_LARGE = orjson.dumps({"message": "request body too large"})


class _TooLarge(Exception):
    pass


class EdgeMiddleware:
    """Tags each request with an id (the caller's `X-Request-ID` when sane), echoes it in the
    response and binds it to every log line the request writes; answers 429 to a caller over
    a budget and 413 to a body over `max_body_bytes` (by its Content-Length at once, or, sent
    in chunks, as soon as it passes the limit); logs and counts the request by route once
    answered; and answers 500 with only the id when something unexpected escapes.

    Ids are a per-process prefix and a counter: unique, not secret (they tell how many
    requests a process has served)."""

    def __init__(self, app: ASGIApp, gate: RequestGate, max_body_bytes: int) -> None:
        self.app = app
        self.gate = gate
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        request_id = authorization = None
        declared = too_large = False
        for name, value in scope["headers"]:  # a repeated header: the first counts, as for routes
            if name == REQUEST_ID_HEADER:
                request_id = request_id or _sane_id(value)
            elif name == b"authorization":
                authorization = authorization or value
            elif name == b"content-length":
                declared = True
                too_large = too_large or not value.isdigit() or int(value) > self.max_body_bytes
        request_id = request_id or next_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        start_request(request_id)
        header = (REQUEST_ID_HEADER, request_id.encode())
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            retry_after = await self.gate.refused(scope, authorization)
            if retry_after is not None:
                await too_many(send_with_id, retry_after)
            elif too_large:
                await _too_large(send_with_id)
            else:
                counted = receive if declared else self._counted(receive)
                await self.app(scope, counted, send_with_id)
        except _TooLarge:
            if status:
                log.exception("unhandled error", method=scope["method"], path=scope["path"])
                raise
            await _too_large(send_with_id)
        except Exception:
            log.exception("unhandled error", method=scope["method"], path=scope["path"])
            if status:
                raise
            body = orjson.dumps({"message": "internal server error", "requestId": request_id})
            await send_json(send_with_id, 500, body)
        finally:
            seconds = time.perf_counter() - began
            route = route_of(scope)
            observe_request(scope["method"], route, status, seconds)
            request_served(scope["method"], scope["path"], route, status, round(seconds * 1000, 1))

    def _counted(self, receive: Receive) -> Receive:
        """`receive` for a body with no length to check up front (sent in chunks): it refuses
        the body as soon as it passes the limit."""
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _TooLarge
            return message

        return counted_receive


async def _too_large(send: Send) -> None:
    await send_json(send, 413, TOO_LARGE, [(b"connection", b"close")])


# Request ids: this process's random prefix and a counter. Unique across processes and
# restarts like a random UUID, without reading the kernel's random source on every request
# (a system call that hands the interpreter lock to any waiting thread).
_ids = itertools.count()
_id_prefix = os.urandom(8).hex()


def _new_prefix() -> None:
    global _ids, _id_prefix
    _ids, _id_prefix = itertools.count(), os.urandom(8).hex()


os.register_at_fork(after_in_child=_new_prefix)


def next_request_id() -> str:
    """32 hex digits, as a UUID's hex."""
    return f"{_id_prefix}{next(_ids):016x}"


def route_of(scope: Scope) -> str:
    """The route template that answered (`/v1/priv/exchange/order/{key_id}/list`), so that
    metrics have one series per route, not per id; `unmatched` when none did."""
    if "endpoint" not in scope:
        return "unmatched"
    path: str = scope["path"]
    for name, value in (scope.get("path_params") or {}).items():
        if value:
            path = path.replace(str(value), "{" + name + "}", 1)
    return path


def _sane_id(value: bytes) -> str | None:
    text = value.decode("latin-1")
    if 0 < len(text) <= 64 and text.replace("-", "").isalnum():
        return text
    return None
