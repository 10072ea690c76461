"""Request ids, one log line and one metric per request, and the last line of defence: an
unexpected exception becomes a masked 500."""

from __future__ import annotations

import time
import uuid

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradedesk.integrations.prometheus_metrics import observe_request
from tradedesk.logs import start_request
from tradedesk.raw_responses import send_json

log = structlog.get_logger("tradedesk.http")

REQUEST_ID_HEADER = b"x-request-id"


class RequestIdMiddleware:
    """Tags each request with an id (the caller's `X-Request-ID` when sane), echoes it in the
    response and binds it to every log line the request writes, logs and counts the request
    by route once answered, and answers 500 with only that id when something unexpected
    escapes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        start_request(request_id)
        header = (REQUEST_ID_HEADER, request_id.encode())
        began = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", method=scope["method"], path=scope["path"])
            if status:
                raise
            status = 500
            body = orjson.dumps({"message": "internal server error", "requestId": request_id})
            await send_json(send, 500, body, [header])
        finally:
            seconds = time.perf_counter() - began
            route = route_of(scope)
            observe_request(scope["method"], route, status, seconds)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 1),
            )


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


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if 0 < len(text) <= 64 and text.replace("-", "").isalnum():
                return text
    return None
