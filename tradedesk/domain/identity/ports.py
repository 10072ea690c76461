"""What the identity context needs from storage and from the outside world."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from tradedesk.domain.identity.model import Profile, ProfileChanges
from tradedesk.domain.ports import Transaction


class UserRepository(Protocol):
    async def exists(self, user_id: str) -> bool: ...

    async def email(self, user_id: str) -> str | None: ...

    async def set_email(self, user_id: str, email: str, *, now: datetime) -> None: ...

    async def lock(self, user_id: str) -> None:
        """Holds the user's row until the transaction ends: per-user limits are checked and
        acted on by one transaction at a time."""
        ...

    async def ensure(
        self, *, user_id: str, subject: str, email: str | None, name: str | None, now: datetime
    ) -> str:
        """The id of the user with this subject, inserting one (with `user_id`) if none exists.
        Safe under concurrent first requests for the same subject."""
        ...


class ProfileRepository(Protocol):
    async def get(self, user_id: str) -> Profile: ...

    async def update(self, user_id: str, changes: ProfileChanges, *, now: datetime) -> None: ...


class HumanCheck(Protocol):
    """Tells people from bots on writes (reCAPTCHA v3 in production)."""

    async def verify(self, token: str | None, *, remote_ip: str | None) -> None:
        """Return when the token proves a person; `Forbidden` if not, `Unavailable` if the
        verifier cannot be asked."""
        ...


class IdentityUnitOfWork(Transaction, Protocol):
    """A transaction over users and their profiles."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def profiles(self) -> ProfileRepository: ...


IdentityUnitOfWorkFactory = Callable[[], IdentityUnitOfWork]
