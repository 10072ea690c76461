"""The balances of every key a query asks for: one `ExchangeKeys.balances_of` call, so any
number of keys costs the same SQL statements (their exchange reads run concurrently)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiodataloader import DataLoader

from tradedesk.domain.errors import DomainError
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.market.exchange import AssetBalance
from tradedesk.domain.principal import Principal


class BalancesByKeyLoader(DataLoader[str, list[AssetBalance]]):
    def __init__(
        self, keys: ExchangeKeys, caller: Callable[[], Awaitable[Principal]], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._keys = keys
        self._caller = caller

    # aiodataloader raises an exception returned in a value's place; its types do not say so
    async def batch_load_fn(  # type: ignore[override]
        self, key_ids: Sequence[str]
    ) -> list[list[AssetBalance] | DomainError]:
        """A key the exchange refused comes back as its error, which `load` raises."""
        found = await self._keys.balances_of(await self._caller(), list(key_ids))
        return [found[key_id] for key_id in key_ids]
