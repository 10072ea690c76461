"""Profiles, stored on the user's row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, update

from tradedesk.domain.errors import NotFound
from tradedesk.domain.identity.model import Profile, ProfileChanges
from tradedesk.persistence.tables import UserRow

_USERS = UserRow.__table__  # type: ignore[attr-defined]
# read on every profile request: a statement built once, read as a plain row
_PROFILE = sa_select(
    _USERS.c.first_name,
    _USERS.c.last_name,
    _USERS.c.country,
    _USERS.c.language,
    _USERS.c.timezone,
    _USERS.c.created_at,
    _USERS.c.updated_at,
).where(_USERS.c.id == bindparam("user_id"))


class SqlProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: str) -> Profile:
        row = (await self._session.execute(_PROFILE, {"user_id": user_id})).first()
        if row is None:
            raise NotFound("user")
        return Profile(
            first_name=row.first_name,
            last_name=row.last_name,
            country=row.country,
            language=row.language,
            timezone=row.timezone,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def update(self, user_id: str, changes: ProfileChanges, *, now: datetime) -> None:
        given = changes.given()
        await self._session.execute(
            update(UserRow).where(col(UserRow.id) == user_id).values(**given, updated_at=now)
        )
