"""Keyset paging for histories listed newest first by (created_at, id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement


def older_than(created: Any, ident: Any, before: tuple[datetime, str]) -> ColumnElement[bool]:
    """Rows after `before` (the last row a page served) in (created_at, id) descending order."""
    created_at, record_id = before
    return or_(created < created_at, and_(created == created_at, ident < record_id))
