"""The domain services both transports call, wired once at start-up by `tradedesk.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from tradedesk.domain.alerts.delivery import AlertDelivery
from tradedesk.domain.alerts.notifications import Notifications
from tradedesk.domain.alerts.telegram_linking import TelegramLinking
from tradedesk.domain.backlog import Backlogs
from tradedesk.domain.billing.stripe_webhooks import StripeWebhooks
from tradedesk.domain.billing.subscriptions import Subscriptions
from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.catalog.results import StrategyResults
from tradedesk.domain.copying.dispatcher import CopyDispatcher
from tradedesk.domain.copying.follows import StrategyFollows
from tradedesk.domain.copying.model import CopiedTrade
from tradedesk.domain.copying.portfolio_stops import PortfolioStops
from tradedesk.domain.copying.ports import CopyingUnitOfWork
from tradedesk.domain.copying.preview import FollowPreviews
from tradedesk.domain.copying.publishing import SignalPublishing
from tradedesk.domain.copying.tradingview import TradingViewAlerts
from tradedesk.domain.copying.webhooks import StrategyWebhooks
from tradedesk.domain.identity.authentication import Identity
from tradedesk.domain.identity.ports import HumanCheck
from tradedesk.domain.identity.profiles import Profiles
from tradedesk.domain.keys.balances import BalanceHistory
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.market.access import ExchangeAccess
from tradedesk.domain.market.tickers import MarketService
from tradedesk.domain.paging import UserHistory
from tradedesk.domain.reports.periodic import Reports
from tradedesk.domain.strategies.admin import StrategyAdmin
from tradedesk.domain.strategies.reference import StrategyReference
from tradedesk.domain.trade_events import TradeEvents
from tradedesk.domain.trading.manual_orders import ManualOrders
from tradedesk.domain.trading.manual_trading import ManualTrading
from tradedesk.domain.trading.model import ManualTrade
from tradedesk.domain.trading.ports import TradingUnitOfWork
from tradedesk.domain.trading.protection import ProtectionKeeper


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
    manual_history: UserHistory[TradingUnitOfWork, ManualTrade]
    protection: ProtectionKeeper
    follows: StrategyFollows
    follow_previews: FollowPreviews
    subscriptions: Subscriptions
    stripe_webhooks: StripeWebhooks
    telegram_linking: TelegramLinking
    alert_delivery: AlertDelivery
    reports: Reports
    strategy_admin: StrategyAdmin
    signal_publishing: SignalPublishing
    copy_dispatcher: CopyDispatcher
    portfolio_stops: PortfolioStops
    strategy_history: UserHistory[CopyingUnitOfWork, CopiedTrade]
    strategy_webhooks: StrategyWebhooks
    tradingview_alerts: TradingViewAlerts
    strategy_reference: StrategyReference
    trade_events: TradeEvents
