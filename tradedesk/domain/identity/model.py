"""A user's profile: how they want to be addressed and shown times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tradedesk.domain.validation import changed_fields


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """What a profile update sets; None leaves a field as it is."""

    first_name: str | None = None
    last_name: str | None = None
    country: str | None = None
    language: str | None = None
    timezone: str | None = None

    def given(self) -> dict[str, str]:
        return changed_fields(self)


@dataclass(frozen=True, slots=True)
class Profile:
    first_name: str | None
    last_name: str | None
    country: str | None
    language: str | None
    timezone: str | None
    created_at: datetime
    updated_at: datetime
