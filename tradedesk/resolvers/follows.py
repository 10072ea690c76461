"""Resolvers of strategy follows: `exchangeKey { follows }`, the follow mutations and the
preview before following."""

from __future__ import annotations

from collections.abc import Mapping

from tradedesk.domain.copying.follows import parse_follow
from tradedesk.domain.copying.model import FollowView
from tradedesk.domain.copying.preview import FollowPreview
from tradedesk.domain.errors import FieldError
from tradedesk.domain.ids import parse_uuid
from tradedesk.resolvers.account import payload
from tradedesk.resolvers.arguments import argument
from tradedesk.resolvers.public import GraphInfo


async def follows(info: GraphInfo, key_id: str) -> list[FollowView]:
    return await info.context.loaders.key_follows.load(key_id)


async def follow_strategy(
    info: GraphInfo, key_id: str, fields: Mapping[str, object]
) -> tuple[FollowView | None, list[FieldError]]:
    return await _change(info, "exchangeKeyId", key_id, fields, creating=True)


async def update_strategy_follow(
    info: GraphInfo, follow_id: str, fields: Mapping[str, object]
) -> tuple[FollowView | None, list[FieldError]]:
    return await _change(info, "id", follow_id, fields, creating=False)


async def _change(
    info: GraphInfo, id_name: str, raw_id: str, fields: Mapping[str, object], *, creating: bool
) -> tuple[FollowView | None, list[FieldError]]:
    """Creates a follow on a key (`creating`) or changes a follow, named by `raw_id`."""
    caller = await info.context.principal()
    service = info.context.services.follows

    async def change() -> FollowView:
        valid_id = argument(id_name, raw_id, parse_uuid)
        changes = parse_follow(fields, await service.catalog(), creating=creating, with_limits=True)
        act = service.create if creating else service.update
        return await act(caller, valid_id, changes)

    return await payload(change)


async def follow_preview(
    info: GraphInfo, key_id: str, fields: Mapping[str, object]
) -> FollowPreview:
    """What following with these options would place now; a bad option is an error."""
    caller = await info.context.principal()
    previews, follows = info.context.services.follow_previews, info.context.services.follows
    valid_id = argument("exchangeKeyId", key_id, parse_uuid)
    changes = parse_follow(fields, await follows.catalog(), creating=True, with_limits=True)
    return await previews.preview(caller, valid_id, changes)
