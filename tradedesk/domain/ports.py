"""What the domain needs from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self


class Clock(Protocol):
    """Time comes through here so tests can hold it still."""

    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for cache ages."""
        ...


class Ids(Protocol):
    """New identifiers and secrets come through here so tests can predict them."""

    def new_id(self) -> str:
        """A fresh UUID string."""
        ...

    def token(self, alphabet: str, length: int) -> str:
        """A random string drawn from a cryptographically secure source."""
        ...


class EventBus(Protocol):
    """Live events for GraphQL subscriptions: published by services, read by sockets."""

    def publish(self, topic: str, event: object) -> None:
        """Never blocks: a subscriber that cannot keep up loses its oldest events."""
        ...

    def subscribe(self, topic: str) -> AsyncIterator[object]: ...


class PageTokens(Protocol):
    """Opaque, tamper-proof pagination tokens: a cursor signed for one listing (its scope)."""

    def issue(self, scope: str, cursor: str) -> str: ...

    def read(self, scope: str, token: str) -> str:
        """The cursor; `InvalidValue` for a token this service did not issue for the scope."""
        ...


class JobMetrics(Protocol):
    """What background jobs report to the operators' dashboards."""

    def copy_finished(self, status: str, seconds: float) -> None:
        """One copy's run: its outcome (PLACED, SKIPPED, FAILED, or PENDING for a retry)."""
        ...

    def fanout_finished(self, copies: int, seconds: float) -> None:
        """One batch of copies, from lease to the last outcome."""
        ...

    def event_pass_finished(self, seconds: float) -> None:
        """A keeper pass an account event asked for, from the event heard to the pass done."""
        ...

    def streams_watched(self, keys: int, live: int) -> None:
        """The keys whose user-data streams a keeper listens to, and how many are up."""
        ...


class Transaction(Protocol):
    """One transaction: everything done through it commits together or not at all. Each
    context's unit of work adds the repositories it reads and writes."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    def reading(self) -> Self:
        """Declares, before it is entered, that this unit of work only reads: where the
        database allows, it then opens no transaction of its own (each statement sees what is
        committed as it runs, as in a READ COMMITTED transaction), and it cannot commit."""
        ...
