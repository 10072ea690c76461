"""Inbound webhooks: signals for a strategy from a charting tool, signed per strategy, or
from a TradingView alert carrying the strategy's secret; Stripe's billing events, signed by
Stripe; and Telegram's updates to the platform's bot."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tradedesk.domain.alerts.model import TelegramMessage
from tradedesk.rest.inputs import Inputs
from tradedesk.rest.responses import JSON


async def strategy_signal(request: Request) -> Response:
    inputs = Inputs(request)
    strategy_id = inputs.path_id("strategy_id")
    inputs.valid()
    body = await request.body()
    try:
        fields = orjson.loads(body)
    except orjson.JSONDecodeError:
        fields = None
    delivery = await request.app.state.services.strategy_webhooks.receive(
        strategy_id, request.headers, body, fields if isinstance(fields, dict) else None
    )
    return JSON(
        {
            "signalId": delivery.signal_id,
            "copies": delivery.copies,
            "replayed": delivery.replayed,
        }
    )


async def tradingview_alert(request: Request) -> Response:
    """TradingView's alert delivery: JSON in the body, whatever its content type says."""
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        body = None
    delivery = await request.app.state.services.tradingview_alerts.receive(
        request.path_params["strategy_id"],
        request.client.host if request.client else None,  # as the forwarded-header trust says
        body if isinstance(body, dict) else None,
    )
    return JSON({"signalId": delivery.signal_id})


async def stripe_event(request: Request) -> Response:
    acted = await request.app.state.services.stripe_webhooks.receive(
        await request.body(), request.headers.get("stripe-signature")
    )
    return JSON({"received": True, "acted": acted})


async def telegram_update(request: Request) -> Response:
    """Telegram's updates to the bot: text messages link or unlink a chat. Always an empty 200
    once verified: the bot answers through the Bot API, never in this response."""
    linking = request.app.state.services.telegram_linking
    linking.check_delivery(request.headers.get("x-telegram-bot-api-secret-token"))
    try:
        update = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        update = None
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return JSON({})  # not a message (an edit, a join): nothing to do
    chat, sender = message.get("chat"), message.get("from")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    language = sender.get("language_code") if isinstance(sender, dict) else None
    text = message.get("text")
    if isinstance(chat_id, int) and isinstance(text, str):
        language = language if isinstance(language, str) else None
        await linking.receive(TelegramMessage(str(chat_id), text, language))
    return JSON({})


ROUTES = [
    Route("/strategy/{strategy_id}", strategy_signal, methods=["POST"]),
    Route("/tradingview/{strategy_id}", tradingview_alert, methods=["POST"]),
    Route("/stripe", stripe_event, methods=["POST"]),
    Route("/telegram", telegram_update, methods=["POST"]),
]
