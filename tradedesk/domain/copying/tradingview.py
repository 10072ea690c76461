"""Signals from TradingView alerts: `POST /webhooks/tradingview/<STRATEGY_ID>`.

TradingView delivers an alert as a body alone (JSON, often sent as `text/plain`) and can set
no header, so it cannot sign the way `/webhooks/strategy/<id>` requires. The body carries the
strategy's webhook secret instead (`secret`, the one `rotateStrategyWebhookSecret` shows),
beside the signal's fields under `PublishSignalInput`'s names. An optional `id` (the alert's
own) makes a repeated delivery answer the first one's signal; an optional `timestamp` (ISO
8601 or Unix seconds) refuses an alert older than `maxLag` seconds (default 60), so that a
delivery held up somewhere never opens a trade the market has left behind.

A wrong or missing secret (a body that is not a JSON object has none), a path that names no
strategy and, when `TRADEDESK_TRADINGVIEW_ALLOW_IPS` is set, a sender outside it are all the
same 401, checked before anything else. The secret is never logged or echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
from collections.abc import Iterable
from datetime import UTC, datetime

from tradedesk.domain.copying.ports import CopyingUnitOfWorkFactory
from tradedesk.domain.copying.publishing import SignalPublishing
from tradedesk.domain.copying.webhooks import WebhookDelivery, publish_once, refused
from tradedesk.domain.errors import InvalidValue, ValidationFailed
from tradedesk.domain.ids import parse_uuid
from tradedesk.domain.keys.ports import SecretBox
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.strategies.model import SignalInput
from tradedesk.domain.strategies.signals import parse_signal
from tradedesk.domain.validation import FieldCollector

DEFAULT_MAX_LAG_SECONDS = 60.0
LONGEST_MAX_LAG_SECONDS = 86_400.0
MAX_ALERT_ID_LENGTH = 64
# TradingView waits 3 s for an answer: a MARKET alert without a price waits this long for the
# market's, then is a 503 with nothing stored (the rest of the answer is a few statements)
PRICE_WITHIN = 2.0
_DELIVERY_FIELDS = ("secret", "id", "timestamp", "maxLag")  # the rest is the signal
_RECEIPT_PREFIX = "tradingview:"  # an alert's id among the strategy's receipts

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_senders(entries: Iterable[str]) -> tuple[Network, ...]:
    """`TRADEDESK_TRADINGVIEW_ALLOW_IPS`' addresses and networks; empty admits any sender."""
    return tuple(ipaddress.ip_network(entry) for entry in entries)


class TradingViewAlerts:
    def __init__(
        self,
        *,
        uow_factory: CopyingUnitOfWorkFactory,
        secrets: SecretBox,
        publishing: SignalPublishing,
        clock: Clock,
        ids: Ids,
        senders: tuple[Network, ...] = (),
    ) -> None:
        self._uow_factory = uow_factory
        self._secrets = secrets
        self._publishing = publishing
        self._clock = clock
        self._ids = ids
        self._senders = senders

    async def receive(
        self, raw_strategy_id: str, sender: str | None, body: dict[str, object] | None
    ) -> WebhookDelivery:
        """A delivery from `sender` (as the trusted forwarded headers name it) to the path's
        strategy id, with `body` its JSON object (None: none). Refused alike (401), before
        anything else is read: a sender off the allow-list, an id that is no strategy's, a
        body without the strategy's secret. Then its freshness and signal are checked (422),
        and the signal is published, once per alert id."""
        self._check_sender(sender)
        try:
            strategy_id = parse_uuid(raw_strategy_id)
        except InvalidValue:
            raise refused("?", "the path names no strategy") from None
        given = None if body is None else body.get("secret")
        async with self._uow_factory() as uow:
            sealed = await uow.webhooks.secret(strategy_id)
        if sealed is None or not isinstance(given, str):
            raise refused(strategy_id, "no secret" if sealed is None else "no secret sent")
        if not hmac.compare_digest(given.encode(), self._secrets.open(sealed).encode()):
            raise refused(strategy_id, "wrong secret")
        assert body is not None
        alert_id, signal = self._valid(strategy_id, body)
        signal_id = self._ids.new_id()
        created_by = f"tradingview:{strategy_id}"
        if alert_id is None:  # nothing tells a repeat from a new alert: each one publishes
            published = await self._publishing.publish_as(
                signal, signal_id=signal_id, created_by=created_by, price_within=PRICE_WITHIN
            )
            return WebhookDelivery(published.signal.id, published.copies, replayed=False)
        return await publish_once(
            self._uow_factory,
            self._publishing,
            self._clock,
            signal,
            signal_id=signal_id,
            receipt=_RECEIPT_PREFIX + alert_id,
            created_by=created_by,
            price_within=PRICE_WITHIN,
        )

    def _check_sender(self, address: str | None) -> None:
        if not self._senders:
            return
        try:
            sender = ipaddress.ip_address(address or "")
        except ValueError:
            raise refused("?", "the sender has no address") from None
        if not any(sender in network for network in self._senders):
            raise refused("?", f"sender {sender} is not allowed")

    def _valid(self, strategy_id: str, body: dict[str, object]) -> tuple[str | None, SignalInput]:
        """The alert's id and signal; every bad field, the stale timestamp too, in one 422."""
        c = FieldCollector()
        alert_id = c.parse("id", body.get("id"), _alert_id)
        max_lag = c.parse("maxLag", body.get("maxLag", DEFAULT_MAX_LAG_SECONDS), _max_lag)
        sent_at = c.parse("timestamp", body.get("timestamp"), _timestamp)
        if sent_at is not None and max_lag is not None:
            lag = (self._clock.now() - sent_at).total_seconds()
            c.parse("timestamp", body.get("timestamp"), lambda _raw: _fresh(lag, max_lag))
        signal_fields = {k: v for k, v in body.items() if k not in _DELIVERY_FIELDS}
        try:
            signal = parse_signal({**signal_fields, "strategyId": strategy_id})
        except ValidationFailed as invalid:
            raise ValidationFailed([*c.errors, *invalid.errors]) from None
        c.raise_if_invalid()
        return alert_id, signal


def _fresh(lag: float, max_lag: float) -> None:
    """Neither older nor further ahead than `max_lag` (a sender's clock may run a little
    fast)."""
    if lag > max_lag:
        raise InvalidValue(f"must be at most {max_lag:g} s old: the alert is stale")
    if lag < -max_lag:
        raise InvalidValue(f"must not be more than {max_lag:g} s in the future")


def _alert_id(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not 1 <= len(raw) <= MAX_ALERT_ID_LENGTH:
        raise InvalidValue(f"must be a string of 1 to {MAX_ALERT_ID_LENGTH} characters")
    return raw


def _max_lag(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValue("must be a number of seconds")
    if not 0 < raw <= LONGEST_MAX_LAG_SECONDS:
        raise InvalidValue(f"must be more than 0 and at most {LONGEST_MAX_LAG_SECONDS:g}")
    return float(raw)


def _timestamp(raw: object) -> datetime | None:
    """ISO 8601 (TradingView's `{{timenow}}`; UTC when it names no offset) or Unix seconds,
    as a number or a numeric string."""
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        try:
            raw = float(raw)
        except ValueError:
            raise InvalidValue("must be ISO 8601 or Unix seconds") from None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise InvalidValue("must be ISO 8601 or Unix seconds")
    try:
        return datetime.fromtimestamp(raw, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidValue("must be ISO 8601 or Unix seconds") from None
