"""Where follows and copies are kept, and how copies are announced."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from tradedesk.domain.copying.model import CopiedTrade, SignalCopy, StrategyFollow
from tradedesk.domain.keys.model import SealedSecret
from tradedesk.domain.strategies.ports import StrategiesUnitOfWork
from tradedesk.domain.trading.ports import TradingUnitOfWork


class FollowRepository(Protocol):
    async def list_for_keys(self, user_id: str, key_ids: list[str]) -> list[StrategyFollow]:
        """The user's follows on these keys, oldest first."""
        ...

    async def get(self, user_id: str, follow_id: str) -> StrategyFollow | None:
        """None for another user's follow, exactly as for a missing one."""
        ...

    async def get_many(self, follow_ids: list[str]) -> list[StrategyFollow]:
        """Follows by id, whoever owns them: for the copy dispatcher."""
        ...

    async def active_for_strategy(self, strategy_id: str) -> list[StrategyFollow]:
        """Every user's active follows of the strategy: who a signal goes to."""
        ...

    async def symbol_followed(self, key_id: str, symbol: str) -> bool: ...

    async def add(self, follow: StrategyFollow) -> None:
        """1309 if the key follows the symbol already (a concurrent request included)."""
        ...

    async def update(self, follow: StrategyFollow) -> None:
        """Writes what a user changes of the follow: not its high-water mark, which only
        the portfolio stop's round raises (and `reset_high_water` clears)."""
        ...

    async def pause_all(self, user_id: str, *, reason: str, now: datetime) -> list[StrategyFollow]:
        """Pauses the user's active follows with the reason; how many."""
        ...

    async def with_portfolio_stop(self) -> list[StrategyFollow]:
        """Every user's active follows that have a portfolio stop: the stops' round."""
        ...

    async def reset_high_water(self, follow_id: str) -> None:
        """The next round of the portfolio stop starts a new mark."""
        ...

    async def raise_high_water(self, follow_id: str, equity: Decimal) -> None:
        """The follow's high-water mark becomes `equity` if it has none or a lower one."""
        ...

    async def pause(self, follow_id: str, *, reason: str, now: datetime) -> bool:
        """Pauses the follow with the reason if it is active; whether it was."""
        ...


class CopyRepository(Protocol):
    """Copies of signals: jobs while PENDING, then each follower's record."""

    async def add_many(self, copies: list[SignalCopy]) -> None: ...

    async def lease_pending(
        self, *, token: str, now: datetime, lease: timedelta, limit: int
    ) -> list[SignalCopy]:
        """Due PENDING copies nobody holds, oldest first, leased under `token` (new to this
        call; each lease counts as an attempt). A copy waits while an earlier copy of its
        follow is PENDING."""
        ...

    async def renew(self, *, token: str, until: datetime) -> set[str]:
        """Extends the lease on the copies still held under `token`; their ids."""
        ...

    async def hold(self, *, token: str, ids: list[str]) -> set[str]:
        """Of `ids`, those still held under `token`, kept from a takeover until the unit of
        work ends: only their outcomes may be written."""
        ...

    async def retry_many(self, due: list[tuple[str, datetime]]) -> None:
        """Release each copy (by id), due again at its time."""
        ...

    async def count_pending(self) -> int:
        """Copies not yet placed, skipped or failed (due now or waiting for a retry)."""
        ...

    async def finish_many(self, copies: list[SignalCopy]) -> None:
        """Record the outcomes of PENDING copies; a finished one is left as it is."""
        ...

    async def of_signal(self, signal_id: str) -> list[SignalCopy]: ...

    async def of_user(self, user_id: str, limit: int) -> list[SignalCopy]:
        """The user's copies, newest first."""
        ...

    async def placed_page(
        self,
        user_id: str,
        *,
        since: datetime | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[CopiedTrade]:
        """The user's placed copies of OPEN signals, newest first."""
        ...


class CopyQueue(Protocol):
    """Where a signal's copies are announced to the processes that run them."""

    async def kick(self, copies: int) -> None:
        """Announce that this many copies are due."""
        ...


class WebhookRepository(Protocol):
    async def set_secret(
        self, strategy_id: str, sealed: SealedSecret, *, now: datetime
    ) -> None: ...

    async def secret(self, strategy_id: str) -> SealedSecret | None: ...

    async def claim(
        self, strategy_id: str, signature: str, signal_id: str, *, now: datetime
    ) -> str:
        """The signal id of the delivery with this signature: `signal_id` if it is new."""
        ...

    async def release(self, strategy_id: str, signature: str) -> None:
        """Forget a delivery whose signal was not published."""
        ...


class CopyingUnitOfWork(TradingUnitOfWork, StrategiesUnitOfWork, Protocol):
    """A transaction over follows, copies and what a copy places."""

    @property
    def follows(self) -> FollowRepository: ...

    @property
    def copies(self) -> CopyRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...


CopyingUnitOfWorkFactory = Callable[[], CopyingUnitOfWork]
