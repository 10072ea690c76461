"""A user's profile: how they want to be addressed and shown times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Profile:
    first_name: str | None
    last_name: str | None
    country: str | None
    language: str | None
    timezone: str | None
    created_at: datetime
    updated_at: datetime
