"""Typed ways into SQLAlchemy Core where SQLModel's and SQLAlchemy's annotations stop short."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result, Table, inspect
from sqlmodel import SQLModel


def table_of(row: type[SQLModel]) -> Table:
    """The Core table a SQLModel table class maps (SQLModel does not annotate `__table__`)."""
    table = inspect(row).local_table
    assert isinstance(table, Table)
    return table


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (`execute` is annotated as returning any
    `Result`; for those statements it is a `CursorResult`)."""
    assert isinstance(result, CursorResult)
    return result.rowcount
