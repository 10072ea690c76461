"""The field errors every mutation payload carries, shared by every context's payloads."""

from __future__ import annotations

from typing import Any

import strawberry

from tradedesk.domain.errors import FieldError


@strawberry.type(name="FieldError", description="One invalid input field of a mutation.")
class FieldErrorType:
    @strawberry.field(description="The input field, named as in the input type.")
    def field(self, root: FieldError) -> str:
        return root.param

    @strawberry.field(description="Why it is invalid, as the REST 422 `msg`.")
    def message(self, root: FieldError) -> str:
        return root.msg

    code: str = strawberry.field(description="INVALID, TELEGRAM_NOT_LINKED, ...")


def field_errors() -> Any:
    """A payload's `errors`: the domain's field errors, shown as `FieldError`s."""
    return strawberry.field(graphql_type=list[FieldErrorType])
