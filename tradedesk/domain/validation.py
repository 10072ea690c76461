"""Collects every invalid field of one input before anything is done with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields as dataclass_fields
from enum import StrEnum
from typing import Any, TypeVar

from tradedesk.domain.errors import FieldError, InvalidValue, ValidationFailed

T = TypeVar("T")
R = TypeVar("R")  # the raw value, as the parser takes it
E = TypeVar("E", bound=StrEnum)


class FieldCollector:
    """`parse` each field, then `raise_if_invalid()`; the 422 lists them all at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def parse(self, param: str, raw: R, parser: Callable[[R], T]) -> T | None:
        try:
            return parser(raw)
        except InvalidValue as exc:
            self.errors.append(FieldError(param=param, value=raw, msg=exc.msg))
            return None

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def parse_boolean(raw: object) -> bool:
    """JSON's true or false, nothing that merely looks like one."""
    if not isinstance(raw, bool):
        raise InvalidValue("must be boolean")
    return raw


def choice(kind: type[E]) -> Callable[[object], E]:
    """A parser of one of the enum's values, refusing anything else by listing them."""
    listed = ", ".join(member.value for member in kind)

    def parse(raw: object) -> E:
        if isinstance(raw, str):
            try:
                return kind(raw)
            except ValueError:
                pass
        raise InvalidValue(f"must be one of [{listed}]")

    return parse


def changed_fields(changes: Any) -> dict[str, Any]:
    """A change command's fields that were given (not None), by attribute name: what an
    update writes."""
    given = {f.name: getattr(changes, f.name) for f in dataclass_fields(changes)}
    return {name: value for name, value in given.items() if value is not None}
