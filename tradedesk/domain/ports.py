"""What the domain needs from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from tradedesk.domain.alert_messages import Recipient
from tradedesk.domain.alerts import Alert, AlertPreferences
from tradedesk.domain.balance_history import BalanceSnapshot
from tradedesk.domain.billing import Plan
from tradedesk.domain.copy_trading import SignalCopy
from tradedesk.domain.exchange_keys import ApiKeyStatus, ExchangeKey, SealedSecret
from tradedesk.domain.follows import StrategyFollow
from tradedesk.domain.manual_history import Claim, ManualTrade
from tradedesk.domain.market import ExchangeId, Ticker, TradeType
from tradedesk.domain.notifications import NotificationSettings, TelegramLink
from tradedesk.domain.profiles import Profile
from tradedesk.domain.protection import ProtectedTrade
from tradedesk.domain.reports import ExitFill, Reader
from tradedesk.domain.signals import Signal
from tradedesk.domain.strategies import RiskProfile, Strategy, StrategyTrade
from tradedesk.domain.strategy_history import CopiedTrade
from tradedesk.domain.strategy_reference import ReferenceTrade
from tradedesk.domain.stripe_webhooks import BillingEvent
from tradedesk.domain.subscriptions import InvoicePage, StripeSubscription, Subscription
from tradedesk.domain.telegram_linking import TelegramMessage
from tradedesk.domain.trading import (
    ApiCredentials,
    AssetBalance,
    FuturesAccount,
    KeyPermissions,
    MarginMode,
    MarketRules,
    Order,
    OrderRequest,
    Position,
    Trade,
)


class Clock(Protocol):
    """Time comes through here so tests can hold it still."""

    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for cache ages."""
        ...


class Ids(Protocol):
    """New identifiers and secrets come through here so tests can predict them."""

    def new_id(self) -> str:
        """A fresh UUID string."""
        ...

    def token(self, alphabet: str, length: int) -> str:
        """A random string drawn from a cryptographically secure source."""
        ...


class CopyQueue(Protocol):
    """Where a signal's copies are announced to the processes that run them."""

    async def kick(self, copies: int) -> None:
        """Announce that this many copies are due."""
        ...


class EventBus(Protocol):
    """Live events for GraphQL subscriptions: published by services, read by sockets."""

    def publish(self, topic: str, event: object) -> None:
        """Never blocks: a subscriber that cannot keep up loses its oldest events."""
        ...

    def subscribe(self, topic: str) -> AsyncIterator[object]: ...


class HumanCheck(Protocol):
    """Tells people from bots on writes (reCAPTCHA v3 in production)."""

    async def verify(self, token: str | None, *, remote_ip: str | None) -> None:
        """Return when the token proves a person; `Forbidden` if not, `Unavailable` if the
        verifier cannot be asked."""
        ...


class ExchangeGateway(Protocol):
    """An exchange as the domain sees it; adapters map their failures to domain errors.

    Symbols are the platform's (`BTC/USDT`) for both trade types. Rejected credentials are
    1103, an unknown symbol 1300, anything else the exchange refuses 1500; reads are retried
    while the exchange is unreachable, writes never blindly."""

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker: ...

    async def market_rules(self, *, trade_type: TradeType, symbol: str) -> MarketRules:
        """The market's filters, from the markets the adapter loaded once."""
        ...

    async def check_key(self, credentials: ApiCredentials) -> KeyPermissions:
        """Whether the exchange accepts the key and what it may do; a key the platform cannot
        trade with (a futures key in hedge mode, no trading permission) is 1106."""
        ...

    async def fetch_balances(self, credentials: ApiCredentials) -> list[AssetBalance]:
        """Every asset with a non-zero total in the key's wallet of its trade type."""
        ...

    async def fetch_futures_account(self, credentials: ApiCredentials) -> FuturesAccount:
        """A futures key's balances and held symbols in one request: what a copy trade
        sizes from, at the request weight of a balance read alone."""
        ...

    async def fetch_open_orders(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        """Plain and conditional (algo) orders that are still open, oldest first."""
        ...

    async def fetch_order_history(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        """Plain and conditional orders of the symbol in every state, oldest first."""
        ...

    async def fetch_trades(self, credentials: ApiCredentials, symbol: str) -> list[Trade]: ...

    async def fetch_position(self, credentials: ApiCredentials, symbol: str) -> Position | None:
        """The futures position on the symbol; None when flat."""
        ...

    async def place_order(self, credentials: ApiCredentials, order: OrderRequest) -> Order:
        """Places the order once: if its answer is lost, the order is looked up by its client
        order id; only an order the exchange never received is sent again."""
        ...

    async def cancel_order(self, credentials: ApiCredentials, order: Order) -> Order: ...

    async def cancel_all_orders(self, credentials: ApiCredentials, symbol: str) -> None:
        """Cancels plain and conditional orders of the symbol."""
        ...

    async def set_leverage(
        self, credentials: ApiCredentials, symbol: str, leverage: int
    ) -> None: ...

    async def set_margin_mode(
        self, credentials: ApiCredentials, symbol: str, mode: MarginMode
    ) -> None: ...

    async def release(self, credentials: ApiCredentials) -> None:
        """Forget the key's client (the key was deleted or replaced)."""
        ...


class SecretBox(Protocol):
    """Encrypts secrets at rest (exchange API secrets); the key never leaves the adapter."""

    newest_key_id: str

    def seal(self, plaintext: str) -> SealedSecret: ...

    def open(self, sealed: SealedSecret) -> str:
        """The plaintext, under whichever configured key sealed it."""
        ...


class PageTokens(Protocol):
    """Opaque, tamper-proof pagination tokens: a cursor signed for one listing (its scope)."""

    def issue(self, scope: str, cursor: str) -> str: ...

    def read(self, scope: str, token: str) -> str:
        """The cursor; `InvalidValue` for a token this service did not issue for the scope."""
        ...


class CatalogRepository(Protocol):
    """The public catalog an operator curates: plans, risk profiles and strategies."""

    async def list_plans(self) -> list[Plan]: ...

    async def plan_named(self, name: str) -> Plan:
        """A plan by name, public or private (the default plan of users without one)."""
        ...

    async def plan(self, plan_id: str) -> Plan:
        """A plan by id, public or private."""
        ...

    async def plan_exists(self, plan_id: str) -> bool: ...

    async def list_risk_profiles(self) -> list[RiskProfile]: ...

    async def list_strategies(self) -> list[Strategy]: ...

    async def add_strategy(self, strategy: Strategy) -> None:
        """`ValidationFailed` on `name` when another strategy has the name."""
        ...

    async def update_strategy(self, strategy: Strategy) -> None:
        """Name, description and active; `ValidationFailed` on a name taken."""
        ...


class ReferenceTradeRepository(Protocol):
    """Each strategy's open reference trade (at most one)."""

    async def get(self, strategy_id: str) -> ReferenceTrade | None: ...

    async def open_all(self) -> list[ReferenceTrade]: ...

    async def put(self, trade: ReferenceTrade) -> None: ...

    async def remove(self, strategy_id: str) -> None: ...


class StrategyTradeRepository(Protocol):
    async def closed_between(
        self, strategy_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[StrategyTrade]:
        """Trades of these strategies closed in [start, end), oldest close first."""
        ...

    async def add(self, trade_id: str, trade: StrategyTrade) -> None: ...


class ExchangeKeyRepository(Protocol):
    async def names(self, key_ids: list[str]) -> dict[str, str]:
        """Each key's name, by id (keys deleted since are missing)."""
        ...

    async def list_for_user(self, user_id: str) -> list[ExchangeKey]:
        """Oldest first."""
        ...

    async def get(self, user_id: str, key_id: str) -> ExchangeKey | None:
        """None for a key of another user, exactly as for a missing one."""
        ...

    async def get_many(self, key_ids: list[str]) -> list[ExchangeKey]:
        """Keys by id, whoever owns them: for background jobs acting for their owners."""
        ...

    async def api_key_registered(self, api_key: str) -> bool: ...

    async def active_balance_usd(self, user_id: str) -> float:
        """The last known USD balances of the user's active keys, summed."""
        ...

    async def add(
        self, key: ExchangeKey, secret: SealedSecret, *, balance_usd: float, checked_at: datetime
    ) -> None: ...

    async def update(self, key_id: str, changes: dict[str, str], *, now: datetime) -> None: ...

    async def delete(self, key_id: str) -> None: ...

    async def sealed_secret(self, key_id: str) -> SealedSecret: ...

    async def sealed_secrets_not_under(self, box_key_id: str) -> list[tuple[str, SealedSecret]]:
        """(exchange key id, sealed secret) of every secret another box key sealed."""
        ...

    async def reseal(self, key_id: str, secret: SealedSecret) -> None: ...

    async def set_status(self, key_id: str, status: ApiKeyStatus, *, now: datetime) -> None:
        """Records the last access; UNAUTHORIZED also makes the key inactive."""
        ...

    async def sealed_secrets(self, key_ids: list[str]) -> dict[str, SealedSecret]: ...

    async def record_reads(
        self,
        statuses: dict[str, ApiKeyStatus],
        balances_usd: dict[str, float],
        *,
        now: datetime,
    ) -> None:
        """Each key's status after a read (UNAUTHORIZED makes it inactive) and, where read,
        its USD value; a constant number of statements for any number of keys."""
        ...


class BalanceSnapshotRepository(Protocol):
    async def record(self, key_id: str, day: date, total_usd: float, *, now: datetime) -> None:
        """Insert unless the key has a snapshot of that day already."""
        ...

    async def keys_without_snapshot(self, day: date) -> list[ExchangeKey]: ...

    async def of_day(self, key_ids: list[str], day: date) -> dict[str, float]:
        """Each key's snapshot of the day, where it has one."""
        ...

    async def page(
        self, key_id: str, *, start: date | None, before: date | None, limit: int
    ) -> list[BalanceSnapshot]:
        """Newest first: days >= start and < before."""
        ...


class ManualTradeRepository(Protocol):
    async def claim(
        self, *, trade_id: str, user_id: str, key_id: str, symbol: str, idempotency_key: str,
        now: datetime,
    ) -> Claim:  # fmt: skip
        """Insert a pending trade for the idempotency key, unless another holds it; a
        pending trade whose holder died placing it is taken over."""
        ...

    async def placed_orders(self, user_id: str, idempotency_key: str) -> list[Order] | None: ...

    async def release(self, trade_id: str) -> None:
        """Forget a pending trade whose placement failed, so that a retry may try again."""
        ...

    async def complete(
        self,
        trade: ManualTrade,
        *,
        user_id: str,
        key_id: str,
        symbol: str,
        orders: list[Order],
        claimed: bool,
    ) -> bool:
        """Records the placed trade: fills in its claim (`claimed`) or adds the row. False,
        with nothing written, when the claim is no longer this trade's (taken over)."""
        ...

    async def page(
        self,
        user_id: str,
        *,
        since: datetime | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[ManualTrade]: ...


class ProtectedTradeRepository(Protocol):
    """Trades the protection keeper follows until they are closed."""

    async def add(self, trade: ProtectedTrade, *, now: datetime) -> None: ...

    async def add_many(self, trades: list[ProtectedTrade], *, now: datetime) -> None:
        """Those not there already (a resumed copy's)."""
        ...

    async def save(self, trade: ProtectedTrade, *, now: datetime) -> bool:
        """Stores what the keeper knows of an open trade; False when it is no longer open
        (superseded or closed meanwhile), and then nothing is written."""
        ...

    async def close(self, trade_id: str, *, reason: str, now: datetime) -> None: ...

    async def open_on_keys(self, key_ids: list[str]) -> list[ProtectedTrade]: ...

    async def close_all(self, key_id: str, symbol: str, *, reason: str, now: datetime) -> None:
        """Closes every open trade of the key on the symbol."""
        ...

    async def closed_for(self, key_id: str, symbol: str, reason: str) -> bool:
        """Whether a trade of the key on the symbol was closed with exactly this reason."""
        ...

    async def lease_open(
        self, *, owner: str, now: datetime, lease: timedelta
    ) -> list[ProtectedTrade]:
        """The open trades that are the owner's or nobody's (a lease lapsed), leased to the
        owner until now + lease."""
        ...


class FollowRepository(Protocol):
    async def list_for_keys(self, user_id: str, key_ids: list[str]) -> list[StrategyFollow]:
        """The user's follows on these keys, oldest first."""
        ...

    async def get(self, user_id: str, follow_id: str) -> StrategyFollow | None:
        """None for another user's follow, exactly as for a missing one."""
        ...

    async def get_many(self, follow_ids: list[str]) -> list[StrategyFollow]:
        """Follows by id, whoever owns them: for the copy dispatcher."""
        ...

    async def active_for_strategy(self, strategy_id: str) -> list[StrategyFollow]:
        """Every user's active follows of the strategy: who a signal goes to."""
        ...

    async def symbol_followed(self, key_id: str, symbol: str) -> bool: ...

    async def add(self, follow: StrategyFollow) -> None:
        """1309 if the key follows the symbol already (a concurrent request included)."""
        ...

    async def update(self, follow: StrategyFollow) -> None: ...

    async def pause_all(self, user_id: str, *, reason: str, now: datetime) -> list[StrategyFollow]:
        """Pauses the user's active follows with the reason; how many."""
        ...


class SignalRepository(Protocol):
    async def add(self, signal: Signal, *, created_by: str) -> None: ...

    async def get(self, signal_id: str) -> Signal: ...

    async def exists(self, signal_id: str) -> bool: ...

    async def next_sequence(self, strategy_id: str) -> int:
        """The next signal's place in the strategy's sequence, taken under the strategy's
        write lock (concurrent publishes get distinct, ordered numbers)."""
        ...


class CopyRepository(Protocol):
    """Copies of signals: jobs while PENDING, then each follower's record."""

    async def add_many(self, copies: list[SignalCopy]) -> None: ...

    async def lease_pending(
        self, *, token: str, now: datetime, lease: timedelta, limit: int
    ) -> list[SignalCopy]:
        """Due PENDING copies nobody holds, oldest first, leased under `token` (new to this
        call; each lease counts as an attempt). A copy waits while an earlier copy of its
        follow is PENDING."""
        ...

    async def renew(self, *, token: str, until: datetime) -> set[str]:
        """Extends the lease on the copies still held under `token`; their ids."""
        ...

    async def hold(self, *, token: str, ids: list[str]) -> set[str]:
        """Of `ids`, those still held under `token`, kept from a takeover until the unit of
        work ends: only their outcomes may be written."""
        ...

    async def retry_many(self, due: list[tuple[str, datetime]]) -> None:
        """Release each copy (by id), due again at its time."""
        ...

    async def count_pending(self) -> int:
        """Copies not yet placed, skipped or failed (due now or waiting for a retry)."""
        ...

    async def finish_many(self, copies: list[SignalCopy]) -> None:
        """Record the outcomes of PENDING copies; a finished one is left as it is."""
        ...

    async def of_signal(self, signal_id: str) -> list[SignalCopy]: ...

    async def of_user(self, user_id: str, limit: int) -> list[SignalCopy]:
        """The user's copies, newest first."""
        ...

    async def placed_page(
        self,
        user_id: str,
        *,
        since: datetime | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[CopiedTrade]:
        """The user's placed copies of OPEN signals, newest first."""
        ...


class WebhookRepository(Protocol):
    async def set_secret(
        self, strategy_id: str, sealed: SealedSecret, *, now: datetime
    ) -> None: ...

    async def secret(self, strategy_id: str) -> SealedSecret | None: ...

    async def claim(
        self, strategy_id: str, signature: str, signal_id: str, *, now: datetime
    ) -> str:
        """The signal id of the delivery with this signature: `signal_id` if it is new."""
        ...

    async def release(self, strategy_id: str, signature: str) -> None:
        """Forget a delivery whose signal was not published."""
        ...


class UserRepository(Protocol):
    async def exists(self, user_id: str) -> bool: ...

    async def email(self, user_id: str) -> str | None: ...

    async def set_email(self, user_id: str, email: str, *, now: datetime) -> None: ...

    async def lock(self, user_id: str) -> None:
        """Holds the user's row until the transaction ends: per-user limits are checked and
        acted on by one transaction at a time."""
        ...

    async def ensure(
        self, *, user_id: str, subject: str, email: str | None, name: str | None, now: datetime
    ) -> str:
        """The id of the user with this subject, inserting one (with `user_id`) if none exists.
        Safe under concurrent first requests for the same subject."""
        ...


class ProfileRepository(Protocol):
    async def get(self, user_id: str) -> Profile: ...

    async def update(self, user_id: str, changes: dict[str, str], *, now: datetime) -> None: ...


class NotificationRepository(Protocol):
    async def telegram_link(self, user_id: str) -> TelegramLink | None: ...

    async def add_telegram_link(self, user_id: str, link: TelegramLink) -> None:
        """Insert unless the user has one already (a concurrent first request)."""
        ...

    async def settings(self, user_id: str) -> NotificationSettings | None: ...

    async def add_settings(self, user_id: str, settings: NotificationSettings) -> None:
        """Insert unless the user has settings already (a concurrent first request)."""
        ...

    async def update_settings(
        self, user_id: str, changes: dict[str, bool], *, now: datetime
    ) -> None: ...

    async def user_with_code(self, code: str, *, issued_after: datetime) -> str | None:
        """The user whose Telegram code this is, if it was issued after the moment."""
        ...

    async def link_chat(self, user_id: str, chat_id: str, *, next_code: str, now: datetime) -> None:
        """Links the chat to the user (and to nobody else) and issues the user's next code."""
        ...

    async def user_of_chat(self, chat_id: str) -> str | None: ...

    async def unlink(self, user_id: str, *, now: datetime) -> None:
        """Forgets the user's chat and switches their Telegram alerts off."""
        ...


class JobMetrics(Protocol):
    """What background jobs report to the operators' dashboards."""

    def copy_finished(self, status: str, seconds: float) -> None:
        """One copy's run: its outcome (PLACED, SKIPPED, FAILED, or PENDING for a retry)."""
        ...

    def fanout_finished(self, copies: int, seconds: float) -> None:
        """One batch of copies, from lease to the last outcome."""
        ...


class AlertRepository(Protocol):
    """The alerts outbox."""

    async def preferences(self, user_ids: list[str]) -> dict[str, AlertPreferences]:
        """Every user's choice (the defaults for one who never saved settings)."""
        ...

    async def add_many(self, alerts: list[Alert]) -> None: ...

    async def lease_due(
        self, *, token: str, now: datetime, lease: timedelta, limit: int
    ) -> list[Alert]:
        """Takes the oldest due alerts under a lease token new to this call (an attempt
        counted on each)."""
        ...

    async def finish_many(self, outcomes: list[tuple[Alert, datetime]], *, token: str) -> None:
        """Each alert's outcome, for those still leased under `token` (a batch whose lease
        ran out and was taken over writes nothing over its new holder's)."""
        ...

    async def count_pending(self) -> int:
        """Alerts not yet delivered: the outbox's backlog."""
        ...

    async def of_user(self, user_id: str) -> list[Alert]: ...

    async def recipients(self, user_ids: list[str]) -> dict[str, Recipient]:
        """Address, linked chat, language and time zone of each user."""
        ...


class Mailer(Protocol):
    """Outgoing e-mail (SMTP in production)."""

    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        """A plain-text and an HTML part; `Unavailable` when the server does not take it."""
        ...


class ReportRepository(Protocol):
    """What reports are made of, who reads them, and which were sent."""

    async def add_fills(self, fills: list[ExitFill]) -> None: ...

    async def snapshots(
        self, key_ids: list[str], first: date, last: date
    ) -> dict[str, list[tuple[date, float]]]:
        """Each key's daily balances from `first` to `last`, both included."""
        ...

    async def exit_fills(self, user_id: str, start: datetime, end: datetime) -> list[ExitFill]: ...

    async def strategies_of_trades(self, trade_ids: list[str]) -> dict[str, str]:
        """The name of the strategy each copied trade followed (others are missing)."""
        ...

    async def readers(self, switch: str) -> list[Reader]: ...

    async def sent(self, reports: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (user, period) reports went out already."""
        ...

    async def claim(
        self, user_id: str, period: str, *, owner: str, now: datetime, lease: timedelta
    ) -> bool:
        """True when this owner may send the report (nobody has, or a sender died)."""
        ...

    async def release(self, user_id: str, period: str) -> None: ...

    async def mark_sent(self, user_id: str, period: str, *, now: datetime) -> None: ...


class TelegramBot(Protocol):
    """The platform's Telegram bot, through the Bot API."""

    async def send_message(self, chat_id: str, text: str) -> None: ...

    async def set_webhook(self, url: str, *, secret: str | None) -> None: ...

    async def updates(
        self, offset: int | None, *, wait_seconds: int
    ) -> list[tuple[int, TelegramMessage | None]]:
        """Long polling: the updates after `offset` (their ids, and the text message each
        carries, if any), waiting up to `wait_seconds` for one."""
        ...


class SubscriptionRepository(Protocol):
    """The cached copy of users' Stripe subscriptions."""

    async def first_entitling(self, user_id: str) -> Subscription | None:
        """The user's oldest active or trialing subscription."""
        ...

    async def put(self, subscription: Subscription) -> None:
        """Stores the subscription as Stripe now shows it (insert or replace)."""
        ...


class StripeEventRepository(Protocol):
    """Stripe event ids already acted on."""

    async def claim(self, event_id: str, event_type: str, *, now: datetime) -> bool:
        """True for the first claim of the id, False ever after (and for a racing twin)."""
        ...


class BillingCustomerRepository(Protocol):
    """Which Stripe customer is which user."""

    async def user_of(self, customer_id: str) -> str | None: ...

    async def customer_of(self, user_id: str) -> str | None: ...

    async def link(self, user_id: str, customer_id: str, *, now: datetime) -> None:
        """Records the user's customer (a user keeps their first)."""
        ...


class BillingGateway(Protocol):
    """Stripe, in the platform's words."""

    def verify_event(self, payload: bytes, signature: str | None) -> BillingEvent:
        """The event a webhook delivery carries; `UnverifiedDelivery` unless its
        `Stripe-Signature` proves it came from Stripe, recently."""
        ...

    async def subscription(self, subscription_id: str) -> StripeSubscription:
        """The subscription as Stripe shows it now; `Unavailable` when Stripe cannot say."""
        ...

    async def update_subscription(
        self, subscription_id: str, *, cancel_at_period_end: bool | None, price_id: str | None
    ) -> StripeSubscription:
        """Sets cancel-at-period-end and/or moves the subscription to a price (prorated)."""
        ...

    def all_subscriptions(self) -> AsyncIterator[StripeSubscription]:
        """Every subscription Stripe holds, whatever its status, page by page."""
        ...

    async def paid_invoices(
        self, customer_id: str, *, limit: int, starting_after: str | None
    ) -> InvoicePage:
        """One page of the customer's paid invoices, newest first."""
        ...

    async def portal_url(self, customer_id: str, *, return_url: str) -> str:
        """Stripe's customer portal, where the customer manages cards and invoices."""
        ...

    async def price_of(self, plan: Plan) -> str | None:
        """The plan's current monthly price; None for a plan not on sale in Stripe."""
        ...

    async def sync_plan(self, plan: Plan) -> bool:
        """Puts the plan on sale (its product and monthly price); whether anything changed."""
        ...

    async def create_customer(self, user_id: str) -> str:
        """A new customer for the user (one, however often a create is retried)."""
        ...

    async def checkout_url(
        self, *, customer_id: str, price_id: str, user_id: str, success_url: str, cancel_url: str
    ) -> str:
        """A hosted checkout that subscribes the customer to the price."""
        ...


class UnitOfWork(Protocol):
    """One transaction: everything done through it commits together or not at all."""

    # read-only: an implementation may hold any repository that meets each port
    @property
    def catalog(self) -> CatalogRepository: ...

    @property
    def strategy_trades(self) -> StrategyTradeRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def exchange_keys(self) -> ExchangeKeyRepository: ...

    @property
    def balance_snapshots(self) -> BalanceSnapshotRepository: ...

    @property
    def manual_trades(self) -> ManualTradeRepository: ...

    @property
    def protected_trades(self) -> ProtectedTradeRepository: ...

    @property
    def follows(self) -> FollowRepository: ...

    @property
    def signals(self) -> SignalRepository: ...

    @property
    def copies(self) -> CopyRepository: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def reference_trades(self) -> ReferenceTradeRepository: ...

    @property
    def profiles(self) -> ProfileRepository: ...

    @property
    def notifications(self) -> NotificationRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def stripe_events(self) -> StripeEventRepository: ...

    @property
    def billing_customers(self) -> BillingCustomerRepository: ...

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def reports(self) -> ReportRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
