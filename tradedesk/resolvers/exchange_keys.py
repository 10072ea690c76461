"""Resolvers of the caller's exchange keys: `viewer { exchangeKeys ... }` and the mutations."""

from __future__ import annotations

from collections.abc import Mapping

from tradedesk.domain.errors import FieldError
from tradedesk.domain.exchange_keys import ExchangeKey, parse_key_changes, parse_new_key
from tradedesk.domain.ids import parse_uuid
from tradedesk.domain.trading import AssetBalance
from tradedesk.domain.validation import FieldCollector
from tradedesk.resolvers.account import INPUT, payload
from tradedesk.resolvers.public import GraphInfo


async def exchange_keys(info: GraphInfo) -> list[ExchangeKey]:
    return await info.context.services.exchange_keys.list(await info.context.principal())


async def total_balance_usd(info: GraphInfo) -> float:
    return await info.context.services.exchange_keys.total_usd(await info.context.principal())


async def balance(info: GraphInfo, key_id: str) -> list[AssetBalance]:
    caller = await info.context.principal()
    return await info.context.services.exchange_keys.balance(caller, key_id)


async def create_exchange_key(
    info: GraphInfo, fields: Mapping[str, object]
) -> tuple[ExchangeKey | None, list[FieldError]]:
    caller = await info.context.principal()
    keys = info.context.services.exchange_keys
    return await payload(lambda: keys.create(caller, parse_new_key(fields, location=INPUT)))


async def update_exchange_key(
    info: GraphInfo, key_id: str, fields: Mapping[str, object]
) -> tuple[ExchangeKey | None, list[FieldError]]:
    caller = await info.context.principal()
    keys = info.context.services.exchange_keys

    async def rename() -> ExchangeKey:
        collector = FieldCollector()
        valid_id = collector.parse("id", key_id, parse_uuid, "params")  # type: ignore[arg-type]
        collector.raise_if_invalid()
        return await keys.rename(caller, valid_id, parse_key_changes(fields, location=INPUT))

    return await payload(rename)


async def delete_exchange_key(info: GraphInfo, key_id: str) -> tuple[str | None, list[FieldError]]:
    caller = await info.context.principal()
    keys = info.context.services.exchange_keys

    async def delete() -> str:
        collector = FieldCollector()
        valid_id = collector.parse("id", key_id, parse_uuid, "params")  # type: ignore[arg-type]
        collector.raise_if_invalid()
        await keys.delete(caller, valid_id)
        return valid_id

    return await payload(delete)
