"""Resolvers of the caller's exchange keys: `viewer { exchangeKeys ... }` and the mutations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from tradedesk.domain.errors import FieldError, NotFound
from tradedesk.domain.ids import parse_uuid
from tradedesk.domain.keys.exchange_keys import parse_key_changes, parse_new_key
from tradedesk.domain.keys.model import BalanceHistoryPage, ExchangeKey
from tradedesk.domain.market.exchange import AssetBalance
from tradedesk.resolvers.account import payload
from tradedesk.resolvers.arguments import argument, page_arguments
from tradedesk.resolvers.public import GraphInfo


async def exchange_keys(info: GraphInfo) -> list[ExchangeKey]:
    return await info.context.services.exchange_keys.list(await info.context.principal())


async def exchange_key(info: GraphInfo, key_id: str) -> ExchangeKey | None:
    caller = await info.context.principal()
    try:
        return await info.context.services.exchange_keys.listed(caller, key_id)
    except NotFound:
        return None


async def total_balance_usd(info: GraphInfo) -> float:
    return await info.context.services.exchange_keys.total_usd(await info.context.principal())


async def balance(info: GraphInfo, key_id: str) -> list[AssetBalance]:
    return await info.context.loaders.key_balances.load(key_id)


async def balance_history(
    info: GraphInfo, key_id: str, first: int, after: str | None
) -> tuple[BalanceHistoryPage, Callable[[date], str]]:
    """A page of the key's daily balances, and how to name a cursor after a day."""
    caller = await info.context.principal()
    history = info.context.services.balance_history
    limit, day = page_arguments(first, after, lambda raw: history.parse_token(key_id, raw))
    page = await history.page(caller, key_id, limit=limit, after=day)
    return page, lambda when: history.cursor(key_id, when)


async def create_exchange_key(
    info: GraphInfo, fields: Mapping[str, object]
) -> tuple[ExchangeKey | None, list[FieldError]]:
    caller = await info.context.principal()
    keys = info.context.services.exchange_keys
    return await payload(lambda: keys.create(caller, parse_new_key(fields)))


async def update_exchange_key(
    info: GraphInfo, key_id: str, fields: Mapping[str, object]
) -> tuple[ExchangeKey | None, list[FieldError]]:
    caller = await info.context.principal()
    keys = info.context.services.exchange_keys

    async def rename() -> ExchangeKey:
        valid_id = argument("id", key_id, parse_uuid)
        return await keys.rename(caller, valid_id, parse_key_changes(fields))

    return await payload(rename)


async def delete_exchange_key(info: GraphInfo, key_id: str) -> tuple[str | None, list[FieldError]]:
    caller = await info.context.principal()
    keys = info.context.services.exchange_keys

    async def delete() -> str:
        valid_id = argument("id", key_id, parse_uuid)
        await keys.delete(caller, valid_id)
        return valid_id

    return await payload(delete)
