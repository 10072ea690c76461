"""GraphQL types of strategy follows: the v1 fields, with the strategy and risk profile as
the public types the catalog queries already serve."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tradedesk.schema.account_types import FieldErrorType
from tradedesk.schema.types import RiskProfileType, StrategyType


@strawberry.type(name="StrategyFollow", description="An AUTOMATED key copying a strategy.")
class StrategyFollowType:
    id: strawberry.ID
    active: bool
    created_at: datetime
    updated_at: datetime
    max_leverage: int | None = strawberry.field(description="Copies never use more.")
    daily_loss_limit_percent: float | None = strawberry.field(
        description="Copying pauses for the rest of the UTC day once the key lost this share."
    )
    paused_reason: str | None = strawberry.field(
        description="Why the platform paused it (a plan without automation); null otherwise."
    )
    strategy: StrategyType = strawberry.field(description="The v1 `StrategyAutomated`.")
    risk_profile: RiskProfileType = strawberry.field(description="The v1 `StrategyRiskProfile`.")


@strawberry.input(description="Follow a strategy with a key; the v1 body's fields.")
class FollowStrategyInput:
    strategy_automated_id: str
    strategy_risk_profile_id: str
    active: bool | None = strawberry.UNSET
    max_leverage: int | None = strawberry.UNSET
    daily_loss_limit_percent: float | None = strawberry.UNSET


@strawberry.input(description="Only the given fields change; a new strategy keeps the symbol.")
class UpdateStrategyFollowInput:
    strategy_automated_id: str | None = strawberry.UNSET
    strategy_risk_profile_id: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    max_leverage: int | None = strawberry.field(
        default=strawberry.UNSET, description="1-125; null removes the cap."
    )
    daily_loss_limit_percent: float | None = strawberry.field(
        default=strawberry.UNSET, description="0.1-100; null removes the circuit breaker."
    )


@strawberry.type
class StrategyFollowPayload:
    follow: StrategyFollowType | None
    errors: list[FieldErrorType]
