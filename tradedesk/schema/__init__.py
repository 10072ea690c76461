"""The Strawberry schema: types, enums, scalars and the HTTP view that serves them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.schema.config import StrawberryConfig

from tradedesk.schema import enums  # noqa: F401  (registers the domain's enums)
from tradedesk.schema.live import Subscription
from tradedesk.schema.mutation import Mutation
from tradedesk.schema.query import Query
from tradedesk.schema.scalars import SCALAR_MAP


def build_schema(extensions: Sequence[Any] = ()) -> strawberry.Schema:
    """The schema; extensions apply only where Strawberry executes (the websocket path)."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=list(extensions),
    )
