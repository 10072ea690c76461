"""The alerts outbox, the settings it reads and the channels it sends on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from tradedesk.domain.alerts.messages import Recipient
from tradedesk.domain.alerts.model import (
    Alert,
    AlertPreferences,
    NotificationSettings,
    SwitchChanges,
    TelegramLink,
    TelegramMessage,
)
from tradedesk.domain.identity.ports import IdentityUnitOfWork


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
        self, user_id: str, changes: SwitchChanges, *, now: datetime
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


class Mailer(Protocol):
    """Outgoing e-mail (SMTP in production)."""

    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        """A plain-text and an HTML part; `Unavailable` when the server does not take it."""
        ...


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


class KeyNames(Protocol):
    """What alerts need of exchange keys: the names their users gave them."""

    async def names(self, key_ids: list[str]) -> dict[str, str]:
        """Each key's name, by id (keys deleted since are missing)."""
        ...


class AlertsUnitOfWork(IdentityUnitOfWork, Protocol):
    """A transaction that can write alerts and read what they are addressed by."""

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def notifications(self) -> NotificationRepository: ...

    @property
    def exchange_keys(self) -> KeyNames: ...


AlertsUnitOfWorkFactory = Callable[[], AlertsUnitOfWork]
