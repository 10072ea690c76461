"""The documented public data, and optional demo trades, loaded idempotently.

Rows are matched by their documented ids: missing ones are inserted, existing ones are left as
the operator may have edited them. Demo trades get ids derived from (strategy, day, n), so a
second run on the same day inserts nothing.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import SQLModel, col, select

from tradedesk.persistence.tables import PlanRow, RiskProfileRow, StrategyRow, StrategyTradeRow

DEMO_DAYS = 45
_DEMO_NAMESPACE = uuid.UUID("0b6f1c1e-5d1a-4b8e-9a53-6d4f2f0c7e11")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


_PLANS_CREATED = "2022-09-09T01:57:36.304Z"

# (id, name, monthly price USD, max balance USD, max API keys, automation, listed)
PLANS = [
    ("336e0577-784d-4482-8a37-46649118aa51", "BASIC", 20, 2500, 2, True, True),
    ("eedb6709-40be-4425-bc8c-3f27b0f16606", "ADVANCED", 40, 5000, 3, True, True),
    ("d6e3155b-caed-449c-b95b-857f1b765040", "PROFESSIONAL", 60, 10000, 5, True, True),
    # What a user without a subscription has (TRADEDESK_DEFAULT_PLAN); never listed.
    ("0b8f3c1e-5d2a-4f7e-9c61-3a4d2e1f0b9a", "FREE", 0, 1000, 1, False, False),
]

# (id, name, percentage of equity, created at)
RISK_PROFILES = [
    ("ab00673a-cd19-44d4-a7c4-05c63e309663", "CONSERVATIVE", "1.5", "2022-09-09T01:57:36.304Z"),
    ("3dc38f3d-4b4e-43b3-a102-e250b7cd3551", "MODERATE", "2", "2022-09-09T01:58:12.344Z"),
    ("9234a512-48d0-4fa9-8b77-fdaec0fd3e00", "AGGRESSIVE", "3", "2022-09-09T01:59:23.456Z"),
]

# (id, name, created at); all trade BTC/USDT on Binance
STRATEGIES = [
    ("b9f67eb2-1d6e-4a47-a735-d0d9039c9b08", "STRATEGY #1", "2022-09-09T01:57:36.304Z"),
    ("b762dad3-b720-4ddd-a515-32ae48e39f94", "STRATEGY #2", "2022-09-09T01:58:45.678Z"),
    ("fa142ba2-9a7f-48ab-b182-4e47a1f242b6", "STRATEGY #3", "2022-09-09T01:59:56.789Z"),
    ("f330861a-464a-436e-872a-d82d95666d80", "STRATEGY #4", "2022-09-09T02:01:23.456Z"),
]


def catalog_rows() -> list[SQLModel]:
    """Fresh row objects for the documented catalog (a session takes ownership of each)."""
    plans: list[SQLModel] = [
        PlanRow(
            id=id_,
            name=name,
            monthly_price_usd=Decimal(price),
            max_balance_usd=balance,
            max_api_key=keys,
            strategy_automated=automation,
            public=listed,
            created_at=_at(_PLANS_CREATED),
            updated_at=_at(_PLANS_CREATED),
        )
        for id_, name, price, balance, keys, automation, listed in PLANS
    ]
    profiles: list[SQLModel] = [
        RiskProfileRow(
            id=id_, name=name, percentage=Decimal(pct), created_at=_at(ts), updated_at=_at(ts)
        )
        for id_, name, pct, ts in RISK_PROFILES
    ]
    strategies: list[SQLModel] = [
        StrategyRow(
            id=id_,
            active=True,
            name=name,
            description=None,
            exchange_id="BINANCE",
            symbol="BTC/USDT",
            created_at=_at(ts),
            updated_at=_at(ts),
        )
        for id_, name, ts in STRATEGIES
    ]
    return plans + profiles + strategies


@dataclass(frozen=True, slots=True)
class SeedReport:
    inserted: int
    already_present: int


async def seed_public_data(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    demo: bool = False,
    now: datetime | None = None,
) -> SeedReport:
    """Insert what is missing, in one transaction."""
    rows = catalog_rows()
    if demo:
        rows += demo_trades(now or datetime.now(UTC))
    async with session_factory() as session, session.begin():
        missing = []
        for table in (PlanRow, RiskProfileRow, StrategyRow, StrategyTradeRow):
            candidates = [row for row in rows if type(row) is table]
            if not candidates:
                continue
            wanted = [row.id for row in candidates]
            existing = set(await session.scalars(select(table.id).where(col(table.id).in_(wanted))))
            missing += [row for row in candidates if row.id not in existing]
        session.add_all(missing)
    return SeedReport(inserted=len(missing), already_present=len(rows) - len(missing))


def demo_trades(now: datetime) -> list[StrategyTradeRow]:
    """Plausible closed trades for each documented strategy over the last DEMO_DAYS days."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    trades = []
    for strategy_id, _name, _created in STRATEGIES:
        for days_ago in range(DEMO_DAYS):
            day = today - timedelta(days=days_ago)
            rng = random.Random(f"{strategy_id}:{day.date().isoformat()}")
            for n in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
                opened = day + timedelta(seconds=rng.randrange(0, 20 * 3600))
                closed = opened + timedelta(seconds=rng.randrange(300, 4 * 3600))
                if closed > now:
                    continue
                result = round(rng.gauss(0.002, 0.012), 6)
                side = rng.choice(["LONG", "SHORT"])
                entry = Decimal(str(round(rng.uniform(18500, 21000), 2)))
                move = Decimal(str(result)) * (1 if side == "LONG" else -1)
                exit_ = (entry * (1 + move)).quantize(Decimal("0.01"))
                trades.append(
                    StrategyTradeRow(
                        id=str(uuid.uuid5(_DEMO_NAMESPACE, f"{strategy_id}:{day.date()}:{n}")),
                        strategy_id=strategy_id,
                        side=side,
                        entry_price=entry,
                        exit_price=exit_,
                        opened_at=opened,
                        closed_at=closed,
                        result=result,
                    )
                )
    return trades
