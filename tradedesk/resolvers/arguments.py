"""GraphQL arguments parsed by the same domain value objects the REST shim uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tradedesk.domain.errors import FieldError, InvalidValue, ValidationFailed
from tradedesk.domain.paging import parse_limit
from tradedesk.domain.validation import FieldCollector

T = TypeVar("T")
RAW = TypeVar("RAW")


def argument(name: str, raw: RAW, parse: Callable[[RAW], T]) -> T:
    try:
        return parse(raw)
    except InvalidValue as exc:
        raise ValidationFailed([FieldError(param=name, value=raw, msg=exc.msg)]) from None


def page_arguments(
    first: int, after: str | None, parse_after: Callable[[str], T]
) -> tuple[int, T | None]:
    """A connection's `first` (1-1000) and `after` (a cursor this listing issued), both
    checked at once."""
    collector = FieldCollector()
    collector.parse("first", str(first), parse_limit)
    cursor = None
    if after is not None:
        cursor = collector.parse("after", after, parse_after)
    collector.raise_if_invalid()
    return first, cursor
