"""Strategy history or performance for every strategy of a list: one query per (interval, limit)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

from tradedesk.domain.catalog.performance import Interval

Key = tuple[str, Interval, int]  # (strategy id, interval, limit)
Result = TypeVar("Result")
LoadMany = Callable[..., Awaitable[dict[str, Result]]]


class StrategyResultsByStrategyLoader(DataLoader[Key, Result], Generic[Result]):
    """Wraps a `StrategyResults.*_of_many` method, which answers many strategies at once."""

    def __init__(self, load_many: LoadMany[Result], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._load_many = load_many

    async def batch_load_fn(self, keys: Sequence[Key]) -> list[Result]:
        groups: dict[tuple[Interval, int], list[str]] = defaultdict(list)
        for strategy_id, interval, limit in keys:
            groups[(interval, limit)].append(strategy_id)
        found: dict[Key, Result] = {}
        for (interval, limit), ids in groups.items():
            by_id = await self._load_many(ids, interval=interval, limit=limit)
            found.update({(sid, interval, limit): by_id[sid] for sid in ids})
        return [found[key] for key in keys]
