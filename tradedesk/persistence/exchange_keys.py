"""Exchange keys with their sealed secrets; every read is scoped to the owning user."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode, NotFound
from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey, SealedSecret, StrategyType
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.persistence.tables import ExchangeKeyRow

_KEYS = ExchangeKeyRow.__table__  # type: ignore[attr-defined]
# The hottest authenticated read (every key list, REST and GraphQL) as a statement built once
# and read as plain rows: building a select and loading ORM objects cost more than running it.
_OWNED_BY = (
    sa_select(_KEYS)
    .where(_KEYS.c.user_id == bindparam("user_id"))
    .order_by(_KEYS.c.created_at, _KEYS.c.id)
)
# the key an order or a setting acts with, read the same way
_ONE_OWNED = sa_select(_KEYS).where(
    _KEYS.c.id == bindparam("key_id"), _KEYS.c.user_id == bindparam("user_id")
)


def to_exchange_key(row: ExchangeKeyRow | Row[Any]) -> ExchangeKey:
    return ExchangeKey(
        id=row.id,
        user_id=row.user_id,
        exchange_id=ExchangeId(row.exchange_id),
        trade_type=TradeType(row.trade_type),
        strategy_type=StrategyType(row.strategy_type),
        name=row.name,
        api_key=row.api_key,
        api_key_status=ApiKeyStatus(row.api_key_status),
        active=row.active,
        ip_restricted=row.ip_restricted,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlExchangeKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def names(self, key_ids: list[str]) -> dict[str, str]:
        if not key_ids:
            return {}
        rows = await self._session.execute(
            select(col(ExchangeKeyRow.id), col(ExchangeKeyRow.name)).where(
                col(ExchangeKeyRow.id).in_(key_ids)
            )
        )
        return {key_id: name for key_id, name in rows}

    async def list_for_user(self, user_id: str) -> list[ExchangeKey]:
        rows = await self._session.execute(_OWNED_BY, {"user_id": user_id})
        return [to_exchange_key(row) for row in rows]

    async def get(self, user_id: str, key_id: str) -> ExchangeKey | None:
        rows = await self._session.execute(_ONE_OWNED, {"key_id": key_id, "user_id": user_id})
        row = rows.first()
        return None if row is None else to_exchange_key(row)

    async def get_many(self, key_ids: list[str]) -> list[ExchangeKey]:
        rows = await self._session.scalars(
            select(ExchangeKeyRow)
            .where(col(ExchangeKeyRow.id).in_(key_ids))
            .execution_options(populate_existing=True)
        )
        return [to_exchange_key(row) for row in rows]

    async def api_key_registered(self, api_key: str) -> bool:
        found = await self._session.scalar(
            select(col(ExchangeKeyRow.id)).where(col(ExchangeKeyRow.api_key) == api_key)
        )
        return found is not None

    async def active_balance_usd(self, user_id: str) -> float:
        total = await self._session.scalar(
            select(func.coalesce(func.sum(col(ExchangeKeyRow.balance_usd)), 0)).where(
                col(ExchangeKeyRow.user_id) == user_id, col(ExchangeKeyRow.active)
            )
        )
        return float(total or 0)

    async def add(
        self, key: ExchangeKey, secret: SealedSecret, *, balance_usd: float, checked_at: datetime
    ) -> None:
        self._session.add(
            ExchangeKeyRow(
                id=key.id,
                user_id=key.user_id,
                exchange_id=key.exchange_id.value,
                trade_type=key.trade_type.value,
                strategy_type=key.strategy_type.value,
                name=key.name,
                api_key=key.api_key,
                secret_token=secret.token,
                secret_key_id=secret.key_id,
                active=key.active,
                api_key_status=key.api_key_status.value,
                ip_restricted=key.ip_restricted,
                balance_usd=_usd(balance_usd),
                balance_checked_at=checked_at,
                created_at=key.created_at,
                updated_at=key.updated_at,
            )
        )
        try:
            await self._session.flush()
        except IntegrityError as error:  # another user registered it a moment ago
            if "api_key" not in str(error.orig):
                raise
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_ALREADY_EXISTS) from None

    async def rename(self, key_id: str, name: str, *, now: datetime) -> None:
        await self._session.execute(
            update(ExchangeKeyRow)
            .where(col(ExchangeKeyRow.id) == key_id)
            .values(name=name, updated_at=now)
        )

    async def delete(self, key_id: str) -> None:
        await self._session.execute(delete(ExchangeKeyRow).where(col(ExchangeKeyRow.id) == key_id))

    async def sealed_secret(self, key_id: str) -> SealedSecret:
        row = (
            await self._session.execute(
                select(col(ExchangeKeyRow.secret_key_id), col(ExchangeKeyRow.secret_token)).where(
                    col(ExchangeKeyRow.id) == key_id
                )
            )
        ).one_or_none()
        if row is None:
            raise NotFound("exchange key")
        return SealedSecret(key_id=row[0], token=row[1])

    async def sealed_secrets_not_under(self, box_key_id: str) -> list[tuple[str, SealedSecret]]:
        rows = await self._session.execute(
            select(
                col(ExchangeKeyRow.id),
                col(ExchangeKeyRow.secret_key_id),
                col(ExchangeKeyRow.secret_token),
            ).where(col(ExchangeKeyRow.secret_key_id) != box_key_id)
        )
        return [(row[0], SealedSecret(key_id=row[1], token=row[2])) for row in rows]

    async def reseal(self, key_id: str, secret: SealedSecret) -> None:
        await self._session.execute(
            update(ExchangeKeyRow)
            .where(col(ExchangeKeyRow.id) == key_id)
            .values(secret_token=secret.token, secret_key_id=secret.key_id)
        )

    async def sealed_secrets(self, key_ids: list[str]) -> dict[str, SealedSecret]:
        rows = await self._session.execute(
            select(
                col(ExchangeKeyRow.id),
                col(ExchangeKeyRow.secret_key_id),
                col(ExchangeKeyRow.secret_token),
            ).where(col(ExchangeKeyRow.id).in_(key_ids))
        )
        return {row[0]: SealedSecret(key_id=row[1], token=row[2]) for row in rows}

    async def record_reads(
        self,
        statuses: dict[str, ApiKeyStatus],
        balances_usd: dict[str, float],
        *,
        now: datetime,
    ) -> list[str]:
        """What reading many keys told: each key's status and, where read, its USD value;
        one executemany per kind of change, whatever the number of keys. Returns the owners
        of the keys whose status changed, as the database found them (another process may
        have changed one since it was read)."""
        owners: set[str] = set()
        for status in set(statuses.values()):
            changes: dict[str, object] = {"api_key_status": status.value, "updated_at": now}
            if status is ApiKeyStatus.UNAUTHORIZED:
                changes["active"] = False
            ids = [key_id for key_id, found in statuses.items() if found is status]
            changed = await self._session.execute(
                update(ExchangeKeyRow)
                .where(
                    col(ExchangeKeyRow.id).in_(ids),
                    col(ExchangeKeyRow.api_key_status) != status.value,
                )
                .values(**changes)
                .returning(col(ExchangeKeyRow.user_id))
            )
            owners.update(changed.scalars())
        if balances_usd:
            await self._session.execute(
                update(ExchangeKeyRow),
                [
                    {"id": key_id, "balance_usd": _usd(usd), "balance_checked_at": now}
                    for key_id, usd in balances_usd.items()
                ],
            )
        return sorted(owners)

    async def set_status(self, key_id: str, status: ApiKeyStatus, *, now: datetime) -> None:
        changes: dict[str, object] = {"api_key_status": status.value, "updated_at": now}
        if status is ApiKeyStatus.UNAUTHORIZED:
            changes["active"] = False
        await self._session.execute(
            update(ExchangeKeyRow).where(col(ExchangeKeyRow.id) == key_id).values(**changes)
        )


def _usd(value: float) -> Decimal:
    return Decimal(str(round(value, 8)))
