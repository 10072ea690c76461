"""The follows of every key a query asks for, in one query however many keys it lists."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiodataloader import DataLoader

from tradedesk.domain.copying.follows import StrategyFollows
from tradedesk.domain.copying.model import FollowView
from tradedesk.domain.principal import Principal


class FollowsByKeyLoader(DataLoader[str, list[FollowView]]):
    def __init__(
        self, follows: StrategyFollows, caller: Callable[[], Awaitable[Principal]], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._follows = follows
        self._caller = caller

    async def batch_load_fn(self, key_ids: Sequence[str]) -> list[list[FollowView]]:
        found = await self._follows.of_keys(await self._caller(), list(key_ids))
        return [found[key_id] for key_id in key_ids]
