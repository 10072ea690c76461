"""Sending the alerts outbox by Telegram and e-mail, beside trading and never in its way.

The dispatcher leases due alerts (so any number of processes may run it, and none sends an
alert another has), reads what it needs for a whole batch in a few queries, sends them with a
bound on concurrency, and records each outcome: sent; tried again later after a backoff (the
channel did not answer), or when Telegram's 429 said; failed for good once the attempts are
spent or the channel is gone. A chat that blocked the bot unlinks Telegram instead of being
tried forever.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from tradedesk.domain.alerts.messages import Recipient, render
from tradedesk.domain.alerts.model import Alert, AlertChannel, AlertStatus
from tradedesk.domain.alerts.ports import AlertsUnitOfWorkFactory, Mailer, TelegramBot
from tradedesk.domain.errors import Unavailable
from tradedesk.domain.ports import Clock, Ids

log = logging.getLogger("tradedesk.alerts")

LEASE = timedelta(seconds=60)
BATCH = 200
CONCURRENT_SENDS = 8
MAX_ATTEMPTS = 8
BLOCKED = "the chat blocked the bot"


class ChatBlocked(Exception):
    """The user blocked the bot (Telegram's 403): nothing will reach that chat."""


class SendLater(Exception):
    """The channel asked to be left alone for a while (Telegram's 429 `retry_after`)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** (attempts - 1), 900))


class AlertDelivery:
    def __init__(
        self,
        *,
        uow_factory: AlertsUnitOfWorkFactory,
        bot: TelegramBot | None,
        mailer: Mailer | None,
        clock: Clock,
        ids: Ids,
    ) -> None:
        self._uow_factory = uow_factory
        self._bot = bot
        self._mailer = mailer
        self._clock = clock
        self._ids = ids

    async def deliver_backlog(self) -> int:
        """Sends every due alert, batch after batch while there is a backlog; how many."""
        sent = 0
        while (batch := await self.deliver_due()) > 0:
            sent += batch
            if batch < BATCH:
                break
        return sent

    async def deliver_due(self) -> int:
        """Sends one batch of due alerts; how many it took."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            token = self._ids.new_id()
            due = await uow.alerts.lease_due(token=token, now=now, lease=LEASE, limit=BATCH)
            users = sorted({alert.user_id for alert in due})
            recipients = await uow.alerts.recipients(users)
            names = await uow.exchange_keys.names(sorted({a.event.key_id for a in due}))
            await uow.commit()
        if not due:
            return 0
        bound = asyncio.Semaphore(CONCURRENT_SENDS)

        async def send(alert: Alert) -> tuple[Alert, datetime]:
            async with bound:
                return await self._send(alert, recipients[alert.user_id], names)

        outcomes = await asyncio.gather(*(send(alert) for alert in due))
        blocked = {a.user_id for a, _when in outcomes if a.reason == BLOCKED}
        async with self._uow_factory() as uow:
            await uow.alerts.finish_many(list(outcomes), token=token)
            for user_id in blocked:
                await uow.notifications.unlink(user_id, now=self._clock.now())
            await uow.commit()
        return len(due)

    async def _send(
        self, alert: Alert, recipient: Recipient, names: dict[str, str]
    ) -> tuple[Alert, datetime]:
        message = render(alert.event, names.get(alert.event.key_id), recipient)
        now = self._clock.now()
        try:
            if alert.channel is AlertChannel.TELEGRAM:
                if self._bot is None or recipient.telegram_chat_id is None:
                    return _failed(alert, "telegram is not linked"), now
                await self._bot.send_message(recipient.telegram_chat_id, message.text)
            else:
                if self._mailer is None or recipient.email is None:
                    return _failed(alert, "no e-mail address or mail server"), now
                await self._mailer.send(
                    recipient.email, message.subject, message.text, message.html
                )
        except ChatBlocked:
            log.info("alert %s: the chat blocked the bot; unlinking Telegram", alert.id)
            return _failed(alert, BLOCKED), now
        except SendLater as wait:
            return replace(alert, reason=str(wait)), now + timedelta(seconds=wait.seconds)
        except Unavailable:
            if alert.attempts >= MAX_ATTEMPTS:
                return _failed(alert, f"gave up after {alert.attempts} attempts"), now
            return replace(alert, reason="the channel did not answer"), now + _backoff(
                alert.attempts
            )
        return replace(alert, status=AlertStatus.SENT, reason=None), now


def _failed(alert: Alert, reason: str) -> Alert:
    return replace(alert, status=AlertStatus.FAILED, reason=reason)
