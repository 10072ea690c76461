"""The domain services both transports call, wired once at start-up by `tradedesk.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from tradedesk.domain.alert_delivery import AlertDelivery
from tradedesk.domain.backlog import Backlogs
from tradedesk.domain.balance_history import BalanceHistory
from tradedesk.domain.catalog import PublicCatalog
from tradedesk.domain.copy_trading import CopyTrading
from tradedesk.domain.exchange_access import ExchangeAccess
from tradedesk.domain.exchange_keys import ExchangeKeys
from tradedesk.domain.follows import StrategyFollows
from tradedesk.domain.identity import Identity
from tradedesk.domain.manual_history import ManualTrade
from tradedesk.domain.manual_orders import ManualOrders
from tradedesk.domain.manual_trading import ManualTrading
from tradedesk.domain.market import MarketService
from tradedesk.domain.notifications import Notifications
from tradedesk.domain.paging import UserHistory
from tradedesk.domain.ports import HumanCheck
from tradedesk.domain.profiles import Profiles
from tradedesk.domain.protection import ProtectionKeeper
from tradedesk.domain.reports import Reports
from tradedesk.domain.strategy_admin import StrategyAdmin
from tradedesk.domain.strategy_history import CopiedTrade
from tradedesk.domain.strategy_reference import StrategyReference
from tradedesk.domain.strategy_results import StrategyResults
from tradedesk.domain.strategy_webhooks import StrategyWebhooks
from tradedesk.domain.stripe_webhooks import StripeWebhooks
from tradedesk.domain.subscriptions import Subscriptions
from tradedesk.domain.telegram_linking import TelegramLinking
from tradedesk.domain.trade_events import TradeEvents


@dataclass(frozen=True, slots=True)
class Services:
    backlogs: Backlogs
    market: MarketService
    catalog: PublicCatalog
    strategy_results: StrategyResults
    identity: Identity
    human_check: HumanCheck
    profiles: Profiles
    notifications: Notifications
    exchange_access: ExchangeAccess
    exchange_keys: ExchangeKeys
    balance_history: BalanceHistory
    manual_trading: ManualTrading
    manual_orders: ManualOrders
    manual_history: UserHistory[ManualTrade]
    protection: ProtectionKeeper
    follows: StrategyFollows
    subscriptions: Subscriptions
    stripe_webhooks: StripeWebhooks
    telegram_linking: TelegramLinking
    alert_delivery: AlertDelivery
    reports: Reports
    strategy_admin: StrategyAdmin
    copy_trading: CopyTrading
    strategy_history: UserHistory[CopiedTrade]
    strategy_webhooks: StrategyWebhooks
    strategy_reference: StrategyReference
    trade_events: TradeEvents
