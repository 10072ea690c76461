"""A local stand-in for Telegram's Bot API: `<base>/bot<token>/<method>`, taking JSON, form and
multipart bodies as the Bot API does, recording every call and answering in its JSON shape.
A test reads what the bot sent (`sent`) and feeds the app updates as Telegram would."""

from __future__ import annotations

import itertools
import time
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_TOKEN = "123456:standin-token"
WEBHOOK_SECRET = "telegram-webhook-secret"
BOT = {"id": 123456, "is_bot": True, "first_name": "Tradedesk", "username": "TradedeskAlertsBot"}


class BotApiStandIn:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.webhook: dict[str, Any] | None = None
        self.refusing: tuple[int, str, dict[str, Any]] | None = None  # sendMessage's answer
        self.pending: list[dict[str, Any]] = []  # updates a long-polling bot has not confirmed
        self._message_ids = itertools.count(1)

    def refuse(self, status: int, description: str, **parameters: Any) -> None:
        """Answer every sendMessage so, as Telegram does (403 blocked, 429 with
        `retry_after`, 5xx), until `refuse_nothing()`."""
        self.refusing = (status, description, parameters)

    def refuse_nothing(self) -> None:
        self.refusing = None

    @property
    def sent(self) -> list[tuple[str, str]]:
        """(chat id, text) of every sendMessage, in order."""
        return [(str(p["chat_id"]), p["text"]) for m, p in self.calls if m == "sendMessage"]

    def app(self) -> Starlette:
        async def method(request: Request) -> JSONResponse:
            if request.path_params["token"] != BOT_TOKEN:
                return JSONResponse(
                    {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
                )
            name = request.path_params["method"]
            if request.headers.get("content-type", "").startswith("application/json"):
                params = await request.json()
            else:
                params = dict(await request.form())
            if name == "sendMessage" and self.refusing is not None:
                status, description, parameters = self.refusing
                refusal = {"ok": False, "error_code": status, "description": description}
                if parameters:
                    refusal["parameters"] = parameters
                return JSONResponse(refusal, status)
            self.calls.append((name, params))
            return JSONResponse({"ok": True, "result": self._answer(name, params)})

        return Starlette(routes=[Route("/bot{token}/{method}", method, methods=["GET", "POST"])])

    def _answer(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT
        if name == "getUpdates":  # answered at once: tests do not wait out `timeout`
            offset = int(params.get("offset") or 0)
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
            return self.pending
        if name == "setWebhook":
            self.webhook = params
            return True
        if name == "sendMessage":
            chat = int(params["chat_id"])
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "from": BOT,
                "text": params["text"],
            }
        return True


_update_ids = itertools.count(1)


def update(chat_id: int, text: str, *, language: str = "en") -> dict[str, Any]:
    """A private text message to the bot, as Telegram posts it to the webhook."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "T", "language_code": language},
            "text": text,
        },
    }
