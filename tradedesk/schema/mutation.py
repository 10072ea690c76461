"""The root Mutation type, merged from each context's mutations in the order clients see
them. Every mutation answers a payload: the result, or field errors."""

from __future__ import annotations

import strawberry

from tradedesk.schema.alerts import AlertSettingsMutation, TelegramMutation
from tradedesk.schema.billing import BillingMutation
from tradedesk.schema.copying import FollowMutation, SignalMutation
from tradedesk.schema.identity import IdentityMutation
from tradedesk.schema.keys import ExchangeKeyMutation
from tradedesk.schema.strategies import StrategyAdminMutation
from tradedesk.schema.trading import TradingMutation


@strawberry.type
class Mutation(
    IdentityMutation,
    AlertSettingsMutation,
    BillingMutation,
    TelegramMutation,
    ExchangeKeyMutation,
    TradingMutation,
    FollowMutation,
    StrategyAdminMutation,
    SignalMutation,
):
    """Every mutation of every context."""
