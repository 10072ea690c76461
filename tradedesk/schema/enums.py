"""The domain's enums as GraphQL shows them, registered once under their public names.
Schema types annotate their fields with the domain enums themselves."""

from __future__ import annotations

import strawberry

from tradedesk.domain.catalog.performance import Interval
from tradedesk.domain.copying.model import CopyReason, FollowDirection, FollowSizing
from tradedesk.domain.keys.model import ApiKeyStatus, StrategyType
from tradedesk.domain.market.model import ExchangeId, TradeType

strawberry.enum(ExchangeId, name="ExchangeId", description="Supported exchanges.")
strawberry.enum(TradeType, name="TradeType", description="SPOT or FUTURES.")
strawberry.enum(
    Interval, name="Interval", description="History bucket size: DAY is `1d`, MONTH is `1M`."
)
strawberry.enum(
    StrategyType, name="StrategyType", description="MANUAL, or AUTOMATED (copy trading)."
)
strawberry.enum(
    ApiKeyStatus, name="ApiKeyStatus", description="What the key's last use on the exchange told."
)
strawberry.enum(
    FollowSizing,
    name="FollowSizing",
    description="How big each copy is: RISK (the stop loses the risk profile's share of "
    "equity), FIXED_NOTIONAL (`notionalUsdt` of notional) or EQUITY_PERCENT (`equityPercent` % "
    "of the key's futures equity as notional).",
)
strawberry.enum(
    CopyReason,
    name="CopyReason",
    description="Why a copy was skipped or failed; `SignalCopy.reason` words it.",
)
strawberry.enum(
    FollowDirection,
    name="FollowDirection",
    description="Which of a strategy's trades a follow copies: BOTH, LONG_ONLY or SHORT_ONLY.",
)
