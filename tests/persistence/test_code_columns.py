"""The domain's codes are stored as strings: every value must fit its column, or PostgreSQL
refuses the whole write it is part of (SQLite would keep it)."""

from __future__ import annotations

from sqlmodel import SQLModel

import tradedesk.persistence.tables  # noqa: F401  (registers the tables)
from tradedesk.domain.copying.model import CopyReason, FollowDirection, FollowSizing
from tradedesk.domain.copying_notices import NoticeKind


def test_every_code_fits_its_column():
    columns = SQLModel.metadata.tables
    for codes, column in (
        (CopyReason, columns["signal_copies"].c.reason_code),
        (NoticeKind, columns["alerts"].c.kind),
        (FollowSizing, columns["strategy_follows"].c.sizing),
        (FollowDirection, columns["strategy_follows"].c.direction),
    ):
        assert max(len(code.value) for code in codes) <= column.type.length, column
