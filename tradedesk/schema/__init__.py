"""The Strawberry schema: types, enums, scalars and the HTTP view that serves them."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from tradedesk.schema.mutation import Mutation
from tradedesk.schema.query import Query
from tradedesk.schema.scalars import SCALAR_MAP


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALAR_MAP)
    )
