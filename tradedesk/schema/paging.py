"""Relay-style page information, shared by every connection."""

from __future__ import annotations

import strawberry


@strawberry.type(name="PageInfo")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
