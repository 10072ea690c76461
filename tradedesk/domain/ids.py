"""Identifiers: every public id is a UUID in its canonical hyphenated form."""

from __future__ import annotations

import re

from tradedesk.domain.errors import InvalidValue

_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def parse_uuid(raw: str) -> str:
    """Accept `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in either case; return it lowercased."""
    if not _UUID.match(raw):
        raise InvalidValue("must be UUID")
    return raw.lower()
