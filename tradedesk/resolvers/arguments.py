"""GraphQL arguments parsed by the same domain value objects the REST shim uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tradedesk.domain.errors import FieldError, InvalidValue, ValidationFailed

T = TypeVar("T")
RAW = TypeVar("RAW")


def argument(name: str, raw: RAW, parse: Callable[[RAW], T]) -> T:
    try:
        return parse(raw)
    except InvalidValue as exc:
        raise ValidationFailed(
            [FieldError(param=name, value=raw, msg=exc.msg, location="args")]
        ) from None
