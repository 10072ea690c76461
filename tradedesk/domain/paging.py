"""Paged histories: the `start` (a day) and `limit` query parameters every one shares, and
`UserHistory`, a user's records newest first in token-continued pages."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Generic, Protocol, TypeVar

from tradedesk.domain.errors import InvalidValue
from tradedesk.domain.ports import PageTokens, Transaction
from tradedesk.domain.principal import Principal

MAX_LIMIT = 1000
DEFAULT_LIMIT = 30  # the v1 histories' default page
R = TypeVar("R", bound="Dated")
U = TypeVar("U", bound="Transaction")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_start(raw: str) -> date:
    """A calendar day written YYYY-MM-DD."""
    try:
        if not _DAY.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidValue("must be valid date") from None


def parse_limit(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidValue(f"must be between 1 and {MAX_LIMIT}")
    return int(raw)


class Dated(Protocol):
    """A record a history lists: newest first by (created_at, id)."""

    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class HistoryPage(Generic[R]):
    items: list[R]
    next_token: str | None


Fetch = Callable[[U, str, datetime | None, tuple[datetime, str] | None, int], Awaitable[list[R]]]


class UserHistory(Generic[U, R]):
    """A user's records newest first, in pages continued by tokens signed for that user and
    that listing: an edited, foreign or made-up token is 422."""

    def __init__(
        self,
        uow_factory: Callable[[], U],
        tokens: PageTokens,
        *,
        listing: str,
        fetch: Fetch[U, R],
    ) -> None:
        self._uow_factory = uow_factory
        self._tokens = tokens
        self._listing = listing
        self._fetch = fetch

    def parse_token(self, caller: Principal, token: str) -> tuple[datetime, str]:
        """(created at, id) of the last record a page served; 422 for any other token."""
        created, _, record_id = self._tokens.read(self._scope(caller), token).partition("|")
        return datetime.fromisoformat(created), record_id

    async def page(
        self,
        caller: Principal,
        *,
        start: date | None = None,
        limit: int = DEFAULT_LIMIT,
        after: tuple[datetime, str] | None = None,
    ) -> HistoryPage[R]:
        since = None if start is None else datetime.combine(start, time.min, tzinfo=UTC)
        async with self._uow_factory().reading() as uow:
            found = await self._fetch(uow, caller.user_id, since, after, limit + 1)
        items = found[:limit]
        token = self.cursor(caller, items[-1]) if len(found) > limit else None
        return HistoryPage(items=items, next_token=token)

    def cursor(self, caller: Principal, record: R) -> str:
        """The token that continues the caller's listing after `record`."""
        return self._tokens.issue(
            self._scope(caller), f"{record.created_at.isoformat()}|{record.id}"
        )

    def _scope(self, caller: Principal) -> str:
        return f"{self._listing}:{caller.user_id}"
