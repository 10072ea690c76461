"""The query parameters every paged history shares: `start` (a day) and `limit`."""

from __future__ import annotations

import re
from datetime import date

from tradedesk.domain.errors import InvalidValue

MAX_LIMIT = 1000
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_start(raw: str) -> date:
    """A calendar day written YYYY-MM-DD."""
    try:
        if not _DAY.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidValue("must be valid date") from None


def parse_limit(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidValue(f"must be between 1 and {MAX_LIMIT}")
    return int(raw)
