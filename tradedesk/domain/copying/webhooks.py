"""Signals from a charting tool: `POST /webhooks/strategy/<STRATEGY_ID>`, signed per strategy.

The tool signs `<timestamp>.<body>` with the strategy's secret (HMAC-SHA256, hex, sent as
`X-Tradedesk-Signature: sha256=<hex>` beside `X-Tradedesk-Timestamp: <unix seconds>`).
A timestamp more than five minutes off, a wrong signature or a strategy without a secret are
all the same 401 (the reason is logged). A delivery seen before (the same signature) places
nothing again and answers the signal it made, so a tool may retry safely. The secret is
sealed at rest and shown once, when an operator rotates it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.copying.ports import CopyingUnitOfWorkFactory
from tradedesk.domain.copying.publishing import SignalPublishing
from tradedesk.domain.errors import FieldError, NotFound, Unauthenticated, ValidationFailed
from tradedesk.domain.keys.ports import SecretBox
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.strategies.admin import require_operator
from tradedesk.domain.strategies.model import SignalInput
from tradedesk.domain.strategies.signals import parse_signal

log = logging.getLogger("tradedesk.webhooks")

SIGNATURE_HEADER = "X-Tradedesk-Signature"
TIMESTAMP_HEADER = "X-Tradedesk-Timestamp"
TOLERANCE = timedelta(minutes=5)
_SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    signal_id: str
    copies: int | None  # None for a delivery seen before
    replayed: bool


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What a tool sends in X-Tradedesk-Signature for this body at this timestamp."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class StrategyWebhooks:
    def __init__(
        self,
        *,
        uow_factory: CopyingUnitOfWorkFactory,
        secrets: SecretBox,
        catalog: PublicCatalog,
        publishing: SignalPublishing,
        clock: Clock,
        ids: Ids,
    ) -> None:
        self._uow_factory = uow_factory
        self._secrets = secrets
        self._catalog = catalog
        self._publishing = publishing
        self._clock = clock
        self._ids = ids

    async def rotate_secret(self, caller: Principal, strategy_id: str) -> str:
        """A new secret for the strategy's webhook (the old one stops working); shown once."""
        require_operator(caller)
        if strategy_id not in (await self._catalog.snapshot()).strategies_by_id:
            raise NotFound("strategy")
        secret = "whsec_" + self._ids.token(_SECRET_ALPHABET, 40)
        async with self._uow_factory() as uow:
            await uow.webhooks.set_secret(
                strategy_id, self._secrets.seal(secret), now=self._clock.now()
            )
            await uow.commit()
        return secret

    async def receive(
        self,
        strategy_id: str,
        headers: Mapping[str, str],
        body: bytes,
        fields: dict[str, object] | None,
    ) -> WebhookDelivery:
        """Verifies the delivery, then publishes its signal (`fields`: the body's JSON
        object, None if it is none) once."""
        async with self._uow_factory() as uow:
            sealed = await uow.webhooks.secret(strategy_id)
        if sealed is None:
            raise refused(strategy_id, "no webhook secret")
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        if not timestamp.isdigit():
            raise refused(strategy_id, "no timestamp")
        age = abs(self._clock.now().timestamp() - int(timestamp))
        if age > TOLERANCE.total_seconds():
            raise refused(strategy_id, f"timestamp {age:.0f} s off")
        sent = headers.get(SIGNATURE_HEADER, "")
        expected = signature(self._secrets.open(sealed), timestamp, body)
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise refused(strategy_id, "bad signature")
        if fields is None:
            raise ValidationFailed(
                [FieldError(param="body", value=None, msg="must be JSON object")]
            )
        signal = parse_signal({**fields, "strategyId": strategy_id})
        return await publish_once(
            self._uow_factory,
            self._publishing,
            self._clock,
            signal,
            signal_id=self._ids.new_id(),
            receipt=sent,
            created_by=f"webhook:{strategy_id}",
        )


async def publish_once(
    uow_factory: CopyingUnitOfWorkFactory,
    publishing: SignalPublishing,
    clock: Clock,
    signal: SignalInput,
    *,
    signal_id: str,
    receipt: str,
    created_by: str,
    price_within: float | None = None,
) -> WebhookDelivery:
    """Publishes a delivery's signal unless a delivery with the same `receipt` (a signature,
    an alert's own id) was accepted before: then it answers that one's signal. The receipt is
    claimed before anything is published, so a twin sent at the same moment finds it, and
    given back if publishing fails, so that a retry may succeed."""
    strategy_id = signal.strategy_id
    async with uow_factory() as uow:
        claimed = await uow.webhooks.claim(strategy_id, receipt, signal_id, now=clock.now())
        await uow.commit()
    if claimed != signal_id:
        return WebhookDelivery(claimed, None, replayed=True)
    try:
        published = await publishing.publish_as(
            signal, signal_id=signal_id, created_by=created_by, price_within=price_within
        )
    except BaseException:
        async with uow_factory() as uow:
            await uow.webhooks.release(strategy_id, receipt)
            await uow.commit()
        raise
    return WebhookDelivery(published.signal.id, published.copies, replayed=False)


def refused(strategy_id: str, reason: str) -> Unauthenticated:
    """The one answer to a delivery that is not the strategy's own; why is only logged."""
    log.info("webhook for strategy %s refused: %s", strategy_id, reason)
    return Unauthenticated(reason)
