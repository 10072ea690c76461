"""Closed strategy trades written straight to the table, as the strategy engine will."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from tradedesk.bootstrap import Runtime
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.tables import StrategyTradeRow


async def add_trades(
    runtime: Runtime, strategy_id: str, *trades: tuple[str, datetime, float]
) -> None:
    """Each trade is (side, closed_at, result as a fraction of equity)."""
    async with make_session_factory(runtime.engine)() as session, session.begin():
        for side, closed_at, result in trades:
            session.add(
                StrategyTradeRow(
                    id=str(uuid.uuid4()),
                    strategy_id=strategy_id,
                    side=side,
                    entry_price=Decimal("19500"),
                    exit_price=Decimal("19500") * (1 + Decimal(str(result))),
                    opened_at=closed_at.replace(minute=0, second=0, microsecond=0),
                    closed_at=closed_at,
                    result=result,
                )
            )
