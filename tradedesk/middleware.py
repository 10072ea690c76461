"""Request ids, and the last line of defence: an unexpected exception becomes a masked 500."""

from __future__ import annotations

import logging
import uuid

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradedesk.raw_responses import send_json

log = logging.getLogger("tradedesk.http")

REQUEST_ID_HEADER = b"x-request-id"


class RequestIdMiddleware:
    """Tags each request with an id (the caller's `X-Request-ID` when sane), echoes it in the
    response, and answers 500 with only that id when something unexpected escapes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        header = (REQUEST_ID_HEADER, request_id.encode())
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception(
                "unhandled error (request %s %s %s)", request_id, scope["method"], scope["path"]
            )
            if started:
                raise
            body = orjson.dumps({"message": "internal server error", "requestId": request_id})
            await send_json(send, 500, body, [header])


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if 0 < len(text) <= 64 and text.replace("-", "").isalnum():
                return text
    return None
