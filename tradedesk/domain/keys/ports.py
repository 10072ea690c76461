"""Where exchange keys and their balance history are kept, and how secrets are sealed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from tradedesk.domain.billing.ports import BillingUnitOfWork
from tradedesk.domain.keys.model import ApiKeyStatus, BalanceSnapshot, ExchangeKey, SealedSecret


class ExchangeKeyRepository(Protocol):
    async def names(self, key_ids: list[str]) -> dict[str, str]:
        """Each key's name, by id (keys deleted since are missing)."""
        ...

    async def list_for_user(self, user_id: str) -> list[ExchangeKey]:
        """Oldest first."""
        ...

    async def get(self, user_id: str, key_id: str) -> ExchangeKey | None:
        """None for a key of another user, exactly as for a missing one."""
        ...

    async def get_many(self, key_ids: list[str]) -> list[ExchangeKey]:
        """Keys by id, whoever owns them: for background jobs acting for their owners."""
        ...

    async def api_key_registered(self, api_key: str) -> bool: ...

    async def active_balance_usd(self, user_id: str) -> float:
        """The last known USD balances of the user's active keys, summed."""
        ...

    async def add(
        self, key: ExchangeKey, secret: SealedSecret, *, balance_usd: float, checked_at: datetime
    ) -> None: ...

    async def rename(self, key_id: str, name: str, *, now: datetime) -> None: ...

    async def delete(self, key_id: str) -> None: ...

    async def sealed_secret(self, key_id: str) -> SealedSecret: ...

    async def sealed_secrets_not_under(self, box_key_id: str) -> list[tuple[str, SealedSecret]]:
        """(exchange key id, sealed secret) of every secret another box key sealed."""
        ...

    async def reseal(self, key_id: str, secret: SealedSecret) -> None: ...

    async def set_status(self, key_id: str, status: ApiKeyStatus, *, now: datetime) -> None:
        """Records the last access; UNAUTHORIZED also makes the key inactive."""
        ...

    async def sealed_secrets(self, key_ids: list[str]) -> dict[str, SealedSecret]: ...

    async def record_reads(
        self,
        statuses: dict[str, ApiKeyStatus],
        balances_usd: dict[str, float],
        *,
        now: datetime,
    ) -> list[str]:
        """Each key's status after a read (UNAUTHORIZED makes it inactive) and, where read,
        its USD value; a constant number of statements for any number of keys. Returns the
        owners of the keys whose status this changed."""
        ...


class BalanceSnapshotRepository(Protocol):
    async def record(self, key_id: str, day: date, total_usd: float, *, now: datetime) -> None:
        """Insert unless the key has a snapshot of that day already."""
        ...

    async def keys_without_snapshot(self, day: date) -> list[ExchangeKey]: ...

    async def of_day(self, key_ids: list[str], day: date) -> dict[str, float]:
        """Each key's snapshot of the day, where it has one."""
        ...

    async def page(
        self, key_id: str, *, start: date | None, before: date | None, limit: int
    ) -> list[BalanceSnapshot]:
        """Newest first: days >= start and < before."""
        ...


class SecretBox(Protocol):
    """Encrypts secrets at rest (exchange API secrets); the key never leaves the adapter."""

    newest_key_id: str

    def seal(self, plaintext: str) -> SealedSecret: ...

    def open(self, sealed: SealedSecret) -> str:
        """The plaintext, under whichever configured key sealed it."""
        ...


class KeysUnitOfWork(BillingUnitOfWork, Protocol):
    """A transaction over exchange keys, checked against the owner's plan."""

    @property
    def exchange_keys(self) -> ExchangeKeyRepository: ...

    @property
    def balance_snapshots(self) -> BalanceSnapshotRepository: ...


KeysUnitOfWorkFactory = Callable[[], KeysUnitOfWork]
