"""Subscription plans: what a user pays for and what it unlocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    name: str
    monthly_price_usd: float
    max_balance_usd: int
    max_api_key: int
    strategy_automated: bool
    public: bool
    created_at: datetime
    updated_at: datetime
