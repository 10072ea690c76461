"""Inbound webhooks: signals for a strategy from a charting tool, signed per strategy, and
Stripe's billing events, signed by Stripe."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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


async def stripe_event(request: Request) -> Response:
    acted = await request.app.state.services.stripe_webhooks.receive(
        await request.body(), request.headers.get("stripe-signature")
    )
    return JSON({"received": True, "acted": acted})


ROUTES = [
    Route("/strategy/{strategy_id}", strategy_signal, methods=["POST"]),
    Route("/stripe", stripe_event, methods=["POST"]),
]
