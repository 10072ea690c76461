"""The per-request GraphQL context: the services, the request, and this request's loaders."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property

from starlette.requests import Request
from starlette.websockets import WebSocket

from tradedesk.domain.catalog.performance import HistoryBucket, Performance
from tradedesk.domain.principal import Principal
from tradedesk.domain.services import Services
from tradedesk.logs import about
from tradedesk.resolvers.dataloaders.balances_by_key import BalancesByKeyLoader
from tradedesk.resolvers.dataloaders.follows_by_key import FollowsByKeyLoader
from tradedesk.resolvers.dataloaders.strategy_results_by_strategy import (
    StrategyResultsByStrategyLoader,
)


class Loaders:
    """Built on first use, so a query that needs no loader pays nothing for them."""

    def __init__(self, services: Services, caller: Callable[[], Awaitable[Principal]]) -> None:
        self.key_balances = BalancesByKeyLoader(services.exchange_keys, caller)
        self.key_follows = FollowsByKeyLoader(services.follows, caller)
        results = services.strategy_results
        self.strategy_history: StrategyResultsByStrategyLoader[list[HistoryBucket]] = (
            StrategyResultsByStrategyLoader(results.history_of_many)
        )
        self.strategy_performance: StrategyResultsByStrategyLoader[Performance] = (
            StrategyResultsByStrategyLoader(results.performance_of_many)
        )


@dataclass
class Context:
    """`authorization` is the HTTP header, or on a websocket the `Authorization` entry of the
    `connection_init` payload (browsers cannot set headers on websockets)."""

    services: Services
    request: Request | WebSocket
    authorization: str | None
    connection_params: dict[str, object] | None = None
    _principal: asyncio.Future[Principal] | None = field(default=None, repr=False)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.services, self.principal)

    async def principal(self) -> Principal:
        """The authenticated caller, verified once per request, on the first private field."""
        if self._principal is None:
            self._principal = asyncio.ensure_future(
                self.services.identity.authenticate(self.authorization)
            )
        principal = await self._principal
        about(user_id=principal.user_id)  # for the lines this resolver logs
        return principal

    def known_user_id(self) -> str | None:
        """The caller's user id once a field has verified the token, else None."""
        verifying = self._principal
        if verifying is None or not verifying.done() or verifying.cancelled():
            return None
        if verifying.exception() is not None:
            return None
        return verifying.result().user_id
