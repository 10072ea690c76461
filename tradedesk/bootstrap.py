"""The composition root: builds the engine, the adapters and the domain services once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from tradedesk.config import Settings, secret_keys
from tradedesk.domain.alerts.delivery import AlertDelivery
from tradedesk.domain.alerts.notifications import Notifications
from tradedesk.domain.alerts.telegram_linking import TelegramLinking
from tradedesk.domain.backlog import Backlogs
from tradedesk.domain.billing.model import CheckoutPages
from tradedesk.domain.billing.stripe_webhooks import StripeWebhooks
from tradedesk.domain.billing.subscriptions import Entitlements, Subscriptions
from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.catalog.results import StrategyResults
from tradedesk.domain.copying.dispatcher import CopyDispatcher
from tradedesk.domain.copying.follows import StrategyFollows
from tradedesk.domain.copying.history import strategy_history
from tradedesk.domain.copying.model import PublishedSignal
from tradedesk.domain.copying.portfolio_stops import PortfolioStops
from tradedesk.domain.copying.preview import FollowPreviews
from tradedesk.domain.copying.publishing import SignalPublishing
from tradedesk.domain.copying.tradingview import TradingViewAlerts, allowed_senders
from tradedesk.domain.copying.webhooks import StrategyWebhooks
from tradedesk.domain.identity.authentication import Identity
from tradedesk.domain.identity.ports import HumanCheck
from tradedesk.domain.identity.profiles import Profiles
from tradedesk.domain.keys.balances import BalanceHistory
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.key_lists import ExchangeKeysChanged, KeyListCache
from tradedesk.domain.market.access import ExchangeAccess
from tradedesk.domain.market.account_events import AccountEventSink
from tradedesk.domain.market.ports import AccountStreams, ExchangeGateway
from tradedesk.domain.market.tickers import MarketService
from tradedesk.domain.ports import Clock, EventBus
from tradedesk.domain.reports.periodic import Reports
from tradedesk.domain.services import Services
from tradedesk.domain.strategies.admin import StrategyAdmin
from tradedesk.domain.strategies.reference import StrategyReference
from tradedesk.domain.trade_events import TradeEvent, TradeEvents
from tradedesk.domain.trading.history import manual_history
from tradedesk.domain.trading.manual_orders import ManualOrders
from tradedesk.domain.trading.manual_trading import ManualTrading
from tradedesk.domain.trading.placement import TradePlacer
from tradedesk.domain.trading.protection import ProtectionKeeper
from tradedesk.integrations.broadcast import Broadcaster
from tradedesk.integrations.clock import SystemClock
from tradedesk.integrations.copy_queue import RedisCopyQueue
from tradedesk.integrations.exchange.binance_streams import BinanceAccountStreams, stream_base
from tradedesk.integrations.exchange.cached_tickers import CachedTickers
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients
from tradedesk.integrations.exchange.ccxt_gateway import CcxtGateway
from tradedesk.integrations.exchange.paper_feed import PaperMarketFeed
from tradedesk.integrations.exchange.paper_gateway import PaperGateway
from tradedesk.integrations.exchange.paper_streams import PaperAccountStreams
from tradedesk.integrations.exchange.rate_budgets import ExchangeBudgets
from tradedesk.integrations.identity import dev_issuer
from tradedesk.integrations.identity.cognito_directory import CognitoUserDirectory
from tradedesk.integrations.identity.jwks import HttpJwks, JwtVerifier, StaticJwks
from tradedesk.integrations.identity.recaptcha import NoHumanCheck, RecaptchaVerifier
from tradedesk.integrations.ids import SystemIds
from tradedesk.integrations.page_tokens import SignedPageTokens
from tradedesk.integrations.prometheus_metrics import PrometheusJobMetrics
from tradedesk.integrations.redis_events import RedisEventBus
from tradedesk.integrations.secret_box import FernetSecretBox
from tradedesk.integrations.smtp_mailer import SmtpMailer
from tradedesk.integrations.stripe_billing import StripeBilling
from tradedesk.integrations.telegram_bot import PtbTelegramBot
from tradedesk.persistence.engine import (
    make_engine,
    make_reading_session_factory,
    make_session_factory,
)
from tradedesk.persistence.unit_of_work import SqlUnitOfWork

OUTBOUND_TIMEOUT = httpx.Timeout(5.0, connect=3.0)


@dataclass(frozen=True, slots=True)
class Runtime:
    """What a process holds for its lifetime; `aclose()` releases it."""

    settings: Settings
    engine: AsyncEngine
    http: httpx.AsyncClient
    services: Services
    dev_issuer: dev_issuer.DevIssuer | None
    exchange: ExchangeGateway
    copy_queue: RedisCopyQueue | None = None
    event_bus: RedisEventBus | None = None
    telegram_bot: PtbTelegramBot | None = None

    async def aclose(self) -> None:
        if self.copy_queue is not None:
            await self.copy_queue.aclose()
        if self.event_bus is not None:
            await self.event_bus.aclose()
        if self.telegram_bot is not None:
            await self.telegram_bot.aclose()
        await self.services.protection.aclose()
        if isinstance(self.exchange, CcxtGateway):
            await self.exchange.aclose()
        await self.http.aclose()
        await self.engine.dispose()


def build_runtime(
    settings: Settings, *, clock: Clock | None = None, exchange: ExchangeGateway | None = None
) -> Runtime:
    clock = clock or SystemClock()
    ids = SystemIds()
    engine = make_engine(
        settings.database_url, statement_timeout=settings.database_statement_timeout_seconds
    )
    session_factory = make_session_factory(engine)
    reading_factory = make_reading_session_factory(engine)
    http = httpx.AsyncClient(timeout=OUTBOUND_TIMEOUT)

    def uow_factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory, reading_factory)

    exchange = exchange or _exchange(settings, clock)
    tickers = CachedTickers(exchange, clock, ttl_seconds=settings.ticker_ttl)
    local_issuer = None if settings.auth_issuer else dev_issuer.DevIssuer(settings.data_dir)
    catalog = PublicCatalog(
        uow_factory=uow_factory, clock=clock, ttl_seconds=settings.public_cache_ttl_seconds
    )
    market = MarketService(tickers)
    secrets = (
        FernetSecretBox(secret_keys(settings.secret_key))
        if settings.secret_key
        else FernetSecretBox.local(settings.data_dir)
    )
    page_tokens = SignedPageTokens(secrets.derive("page tokens"))
    entitlements = Entitlements(settings.default_plan, ids)
    billing = _billing(settings)
    mailer = _mailer(settings)
    token = settings.telegram_bot_token
    bot = PtbTelegramBot(token.get_secret_value(), settings.telegram_api_url) if token else None
    # several processes (servers, workers) deliver the same events through Redis
    redis_bus = (
        RedisEventBus(settings.redis_url, [PublishedSignal, TradeEvent, ExchangeKeysChanged])
        if settings.redis_url
        else None
    )
    bus: EventBus = redis_bus or Broadcaster()
    keys = ExchangeKeys(
        uow_factory=uow_factory,
        gateway=exchange,
        secrets=secrets,
        market=market,
        clock=clock,
        ids=ids,
        entitlements=entitlements,
        events=bus,
        key_lists=KeyListCache(settings.key_list_cache_seconds),
    )
    trade_events = TradeEvents(bus)
    keeper = ProtectionKeeper(
        uow_factory=uow_factory,
        keys=keys,
        gateway=exchange,
        events=trade_events,
        clock=clock,
        ids=ids,
        streams=_account_streams(settings, exchange),
        metrics=PrometheusJobMetrics(),
    )
    placer = TradePlacer(exchange, keeper)
    reference = StrategyReference(
        uow_factory=uow_factory, catalog=catalog, market=market, clock=clock, ids=ids
    )
    # paper accounts live in the serving process, so it runs their copies itself
    copy_queue = (
        RedisCopyQueue(settings.redis_url)
        if settings.redis_url is not None and settings.exchange != "paper"
        else None
    )
    publishing = SignalPublishing(
        uow_factory=uow_factory,
        catalog=catalog,
        market=market,
        reference=reference,
        events=bus,
        clock=clock,
        ids=ids,
        queue=copy_queue,
    )
    dispatcher = CopyDispatcher(
        uow_factory=uow_factory,
        keys=keys,
        market=market,
        gateway=exchange,
        placer=placer,
        keeper=keeper,
        trade_events=trade_events,
        clock=clock,
        ids=ids,
        metrics=PrometheusJobMetrics(),
        lease=timedelta(seconds=settings.copy_lease_seconds),
    )
    services = Services(
        backlogs=Backlogs(uow_factory),
        market=market,
        catalog=catalog,
        strategy_results=StrategyResults(
            catalog=catalog,
            uow_factory=uow_factory,
            clock=clock,
            cache_seconds=settings.results_cache_seconds,
        ),
        identity=Identity(
            verifier=_verifier(settings, local_issuer, http, clock),
            uow_factory=uow_factory,
            clock=clock,
            ids=ids,
            directory=_directory(settings, http),
        ),
        human_check=_human_check(settings, http),
        profiles=Profiles(uow_factory, clock),
        notifications=Notifications(
            uow_factory=uow_factory,
            clock=clock,
            ids=ids,
            telegram_bot_url=settings.telegram_bot_url,
        ),
        exchange_access=ExchangeAccess(settings.egress_ips),
        exchange_keys=keys,
        balance_history=BalanceHistory(
            uow_factory=uow_factory, keys=keys, gateway=exchange, tokens=page_tokens, clock=clock
        ),
        manual_trading=ManualTrading(keys=keys, gateway=exchange, ids=ids, keeper=keeper),
        manual_orders=ManualOrders(
            uow_factory=uow_factory,
            keys=keys,
            gateway=exchange,
            clock=clock,
            ids=ids,
            placer=placer,
            events=trade_events,
        ),
        trade_events=trade_events,
        protection=keeper,
        follows=StrategyFollows(
            uow_factory=uow_factory,
            keys=keys,
            catalog=catalog,
            clock=clock,
            ids=ids,
            entitlements=entitlements,
        ),
        follow_previews=FollowPreviews(
            uow_factory=uow_factory,
            keys=keys,
            market=market,
            gateway=exchange,
            clock=clock,
            entitlements=entitlements,
        ),
        subscriptions=Subscriptions(
            uow_factory=uow_factory,
            entitlements=entitlements,
            catalog=catalog,
            billing=billing,
            pages=CheckoutPages(settings.checkout_success_url, settings.checkout_cancel_url),
            clock=clock,
        ),
        stripe_webhooks=StripeWebhooks(
            uow_factory=uow_factory, billing=billing, entitlements=entitlements, clock=clock
        ),
        alert_delivery=AlertDelivery(
            uow_factory=uow_factory, bot=bot, mailer=mailer, clock=clock, ids=ids
        ),
        reports=Reports(uow_factory=uow_factory, mailer=mailer, clock=clock, owner=ids.new_id()),
        telegram_linking=TelegramLinking(
            uow_factory=uow_factory,
            bot=bot,
            clock=clock,
            ids=ids,
            webhook_secret=_secret(settings.telegram_webhook_secret),
        ),
        strategy_admin=StrategyAdmin(
            uow_factory=uow_factory, catalog=catalog, gateway=exchange, clock=clock, ids=ids
        ),
        signal_publishing=publishing,
        copy_dispatcher=dispatcher,
        portfolio_stops=PortfolioStops(
            uow_factory=uow_factory,
            keys=keys,
            gateway=exchange,
            keeper=keeper,
            clock=clock,
            ids=ids,
        ),
        strategy_webhooks=StrategyWebhooks(
            uow_factory=uow_factory,
            secrets=secrets,
            catalog=catalog,
            publishing=publishing,
            clock=clock,
            ids=ids,
        ),
        tradingview_alerts=TradingViewAlerts(
            uow_factory=uow_factory,
            secrets=secrets,
            publishing=publishing,
            clock=clock,
            ids=ids,
            senders=allowed_senders(settings.tradingview_allow_ips),
        ),
        strategy_history=strategy_history(uow_factory, page_tokens),
        strategy_reference=reference,
        manual_history=manual_history(uow_factory, page_tokens),
    )
    return Runtime(
        settings=settings,
        engine=engine,
        http=http,
        services=services,
        dev_issuer=local_issuer,
        exchange=exchange,
        copy_queue=copy_queue,
        event_bus=redis_bus,
        telegram_bot=bot,
    )


def _exchange(settings: Settings, clock: Clock) -> ExchangeGateway:
    """Binance through ccxt, or the in-process paper exchange (the embedded default)."""
    if settings.exchange == "binance":
        return CcxtGateway(
            CcxtClients(
                base_url=settings.binance_urls,
                sandbox=settings.binance_sandbox,
                proxies=settings.exchange_proxies,
                budgets=ExchangeBudgets(
                    settings.redis_url,
                    ip_share=settings.exchange_ip_share,
                    ip_weight_per_minute=settings.exchange_ip_weight_per_minute,
                ),
                timeout_ms=round(settings.exchange_timeout_seconds * 1000),
            )
        )
    feed = PaperMarketFeed(clock, prices=settings.paper_prices, seed=settings.paper_seed)
    return PaperGateway(feed, clock, opening_usdt=settings.paper_opening_usdt)


def _account_streams(
    settings: Settings, exchange: ExchangeGateway
) -> Callable[[AccountEventSink], AccountStreams] | None:
    """How the keeper hears of its accounts as things happen: Binance's user-data streams, or
    the paper exchange's own events; None where they are switched off (polling only)."""
    if not settings.exchange_streams:
        return None
    if isinstance(exchange, CcxtGateway):
        base = stream_base(settings.binance_urls, sandbox=settings.binance_sandbox)
        return lambda sink: BinanceAccountStreams(exchange, sink, base=base)
    if isinstance(exchange, PaperGateway):
        return lambda sink: PaperAccountStreams(exchange, sink)
    return None


def _directory(settings: Settings, http: httpx.AsyncClient) -> CognitoUserDirectory | None:
    """Where access-token users' e-mail addresses are asked (Cognito), when tokens are
    access tokens from a configured issuer."""
    url = settings.cognito_api_url
    if url is None or settings.auth_token_use != "access":
        return None
    return CognitoUserDirectory(url, http)


def _mailer(settings: Settings) -> SmtpMailer | None:
    url = _secret(settings.smtp_url)
    return None if url is None else SmtpMailer(url, settings.mail_from)


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def _billing(settings: Settings) -> StripeBilling | None:
    """Stripe, when a key is configured; without one everyone has the default plan."""
    if settings.stripe_api_key is None:
        return None
    return StripeBilling(
        settings.stripe_api_key.get_secret_value(),
        settings.stripe_api_base,
        _secret(settings.stripe_webhook_secret),
    )


def _verifier(
    settings: Settings,
    local_issuer: dev_issuer.DevIssuer | None,
    http: httpx.AsyncClient,
    clock: Clock,
) -> JwtVerifier:
    if local_issuer is not None:
        return JwtVerifier(
            issuer=dev_issuer.ISSUER,
            client_id=dev_issuer.CLIENT_ID,
            token_use="access",
            keys=StaticJwks([local_issuer.public_jwk]),
            clock=clock,
        )
    assert settings.auth_issuer and settings.auth_client_id and settings.jwks_url
    return JwtVerifier(
        issuer=settings.auth_issuer,
        client_id=settings.auth_client_id,
        token_use=settings.auth_token_use,
        keys=HttpJwks(settings.jwks_url, http),
        clock=clock,
    )


def _human_check(settings: Settings, http: httpx.AsyncClient) -> HumanCheck:
    if settings.recaptcha_secret is None:
        return NoHumanCheck()
    return RecaptchaVerifier(
        secret=settings.recaptcha_secret.get_secret_value(),
        verify_url=settings.recaptcha_verify_url,
        min_score=settings.recaptcha_min_score,
        action=settings.recaptcha_action,
        hostname=settings.recaptcha_hostname,
        http=http,
    )
