"""The Strawberry schema: types, enums, scalars and the HTTP view that serves them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tradedesk.schema.query import Query
from tradedesk.schema.scalars import DateTime


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query, scalar_overrides={datetime: DateTime})
