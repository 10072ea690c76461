"""Scalars written exactly as the REST shim writes the same values."""

from __future__ import annotations

from datetime import datetime
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from tradedesk.domain.timestamps import iso_millis

Long = NewType("Long", int)


def _parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


SCALAR_MAP: dict[object, ScalarDefinition] = {
    datetime: strawberry.scalar(
        name="DateTime",
        description="UTC instant, ISO 8601 with milliseconds and `Z`: 2022-09-09T01:57:36.304Z",
        serialize=iso_millis,
        parse_value=_parse_datetime,
    ),
    Long: strawberry.scalar(
        name="Long",
        description="A 64-bit integer, such as milliseconds since the Unix epoch.",
        serialize=int,
        parse_value=int,
    ),
}
