"""Resolvers of copy trading: operators' strategy and signal mutations, followers' history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradedesk.domain.catalog.model import Strategy
from tradedesk.domain.copying.model import PublishedSignal, SignalCopy, SignalStats
from tradedesk.domain.errors import FieldError
from tradedesk.domain.ids import parse_uuid
from tradedesk.domain.numbers import as_float
from tradedesk.domain.paging import parse_limit
from tradedesk.domain.strategies.admin import parse_new_strategy, parse_strategy_changes
from tradedesk.domain.strategies.signals import parse_signal
from tradedesk.resolvers.account import payload
from tradedesk.resolvers.arguments import argument
from tradedesk.resolvers.public import GraphInfo


async def create_strategy(
    info: GraphInfo, fields: Mapping[str, object]
) -> tuple[Strategy | None, list[FieldError]]:
    caller = await info.context.principal()
    admin = info.context.services.strategy_admin

    async def create() -> Strategy:
        return await admin.create(caller, parse_new_strategy(fields))

    return await payload(create)


async def update_strategy(
    info: GraphInfo, strategy_id: str, fields: Mapping[str, object]
) -> tuple[Strategy | None, list[FieldError]]:
    caller = await info.context.principal()
    admin = info.context.services.strategy_admin

    async def update() -> Strategy:
        valid_id = argument("id", strategy_id, parse_uuid)
        changes = parse_strategy_changes(fields)
        return await admin.update(caller, valid_id, changes)

    return await payload(update)


async def rotate_webhook_secret(
    info: GraphInfo, strategy_id: str
) -> tuple[str | None, list[FieldError]]:
    caller = await info.context.principal()
    webhooks = info.context.services.strategy_webhooks

    async def rotate() -> str:
        return await webhooks.rotate_secret(caller, argument("id", strategy_id, parse_uuid))

    return await payload(rotate)


async def signal_stats(info: GraphInfo, signal_id: str) -> SignalStats | None:
    caller = await info.context.principal()
    return await info.context.services.signal_publishing.signal_stats(
        caller, argument("id", signal_id, parse_uuid)
    )


async def signal_copies(info: GraphInfo, limit: int) -> list[SignalCopy]:
    caller = await info.context.principal()
    return await info.context.services.signal_publishing.copies_of(
        caller, argument("limit", str(limit), parse_limit)
    )


async def publish_signal(
    info: GraphInfo, fields: Mapping[str, object]
) -> tuple[PublishedSignal | None, list[FieldError]]:
    caller = await info.context.principal()
    copying = info.context.services.signal_publishing

    async def publish() -> PublishedSignal:
        signal = parse_signal(fields)
        return await copying.publish(caller, signal)

    return await payload(publish)


def signal_fields(published: PublishedSignal) -> dict[str, Any]:
    """The stored signal as the `Signal` type names it."""
    signal = published.signal
    return {
        "id": signal.id,
        "strategy_id": signal.strategy_id,
        "action": signal.action.value,
        "side": None if signal.side is None else signal.side.value.upper(),
        "entry_type": signal.entry_type.value,
        "price": as_float(signal.price),
        "stop_price": as_float(signal.stop_price),
        "stop_type": signal.stop_type.value,
        "take_profit_prices": [float(p) for p in signal.take_profit_prices],
        "callback_rate": as_float(signal.callback_rate),
        "reference_price": as_float(signal.reference_price),
        "created_at": signal.created_at,
        "copies": published.copies,
    }
