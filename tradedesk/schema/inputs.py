"""What a mutation's input holds, as the domain's parsers read it."""

from __future__ import annotations

from typing import Any

import strawberry

from tradedesk.resolvers.public import GraphInfo


def given_fields(data: object, info: GraphInfo) -> dict[str, Any]:
    """The input fields the client sent, under their public (camelCase) names."""
    converter = info.schema.config.name_converter
    return {
        converter.apply_naming_config(name): value
        for name, value in vars(data).items()
        if value is not strawberry.UNSET
    }
