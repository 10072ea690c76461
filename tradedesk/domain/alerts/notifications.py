"""How and about what a user wants to be alerted: the Telegram link and per-channel switches."""

from __future__ import annotations

import string
from collections.abc import Mapping

from tradedesk.domain.alerts.model import (
    NotificationMethod,
    NotificationSettings,
    SwitchChanges,
    TelegramLink,
)
from tradedesk.domain.alerts.ports import AlertsUnitOfWork, AlertsUnitOfWorkFactory
from tradedesk.domain.errors import FieldError, ValidationFailed
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.validation import FieldCollector, parse_boolean

AUTH_CODE_ALPHABET = string.ascii_lowercase + string.digits
AUTH_CODE_LENGTH = 8


# Reports and e-mail alerts are on until switched off; Telegram needs linking first.
DEFAULT_SWITCHES = {
    "weekly_report": True,
    "monthly_report": True,
    "email_new_order": True,
    "email_take_profit": True,
    "email_stop_loss": True,
    "telegram_new_order": False,
    "telegram_take_profit": False,
    "telegram_stop_loss": False,
}

# public field name -> attribute
SWITCHES = {
    "weeklyReport": "weekly_report",
    "monthlyReport": "monthly_report",
    "emailNewOrder": "email_new_order",
    "emailTakeProfit": "email_take_profit",
    "emailStopLoss": "email_stop_loss",
    "telegramNewOrder": "telegram_new_order",
    "telegramTakeProfit": "telegram_take_profit",
    "telegramStopLoss": "telegram_stop_loss",
}


TELEGRAM_SWITCHES = tuple(
    attribute for attribute in DEFAULT_SWITCHES if attribute.startswith("telegram_")
)


def parse_switch_changes(fields: Mapping[str, object]) -> SwitchChanges:
    collector = FieldCollector()
    changes = {
        attribute: collector.parse(name, fields[name], parse_boolean)
        for name, attribute in SWITCHES.items()
        if name in fields
    }
    collector.raise_if_invalid()
    return SwitchChanges(**changes)


class Notifications:
    def __init__(
        self, *, uow_factory: AlertsUnitOfWorkFactory, clock: Clock, ids: Ids, telegram_bot_url: str
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._bot_url = telegram_bot_url

    async def method(self, caller: Principal) -> NotificationMethod:
        """The caller's alert method, created with a fresh Telegram auth code on first use."""
        async with self._uow_factory() as uow:
            link = await uow.notifications.telegram_link(caller.user_id)
            if link is None:
                now = self._clock.now()
                code = self._ids.token(AUTH_CODE_ALPHABET, AUTH_CODE_LENGTH)
                await uow.notifications.add_telegram_link(
                    caller.user_id, TelegramLink(code, active=False, created_at=now, updated_at=now)
                )
                link = await uow.notifications.telegram_link(caller.user_id)
                await uow.commit()
        assert link is not None
        return NotificationMethod(
            self._bot_url, link.auth_code, link.active, link.created_at, link.updated_at
        )

    async def settings(self, caller: Principal) -> NotificationSettings:
        async with self._uow_factory() as uow:
            settings = await self._settings(uow, caller)
            await uow.commit()
        return settings

    async def update_settings(
        self, caller: Principal, changes: SwitchChanges
    ) -> NotificationSettings:
        """Switch alerts on or off; a Telegram alert goes on only once Telegram is linked."""
        async with self._uow_factory() as uow:
            link = await uow.notifications.telegram_link(caller.user_id)
            linked = link is not None and link.active
            refused = [
                FieldError(
                    param=name,
                    value=True,
                    msg="account must be linked to Telegram",
                    code="TELEGRAM_NOT_LINKED",
                )
                for name, attribute in SWITCHES.items()
                if attribute in TELEGRAM_SWITCHES and changes.given().get(attribute) and not linked
            ]
            if refused:
                raise ValidationFailed(refused)
            await self._settings(uow, caller)
            if changes.given():
                await uow.notifications.update_settings(
                    caller.user_id, changes, now=self._clock.now()
                )
            settings = await self._settings(uow, caller)
            await uow.commit()
        return settings

    async def _settings(self, uow: AlertsUnitOfWork, caller: Principal) -> NotificationSettings:
        """The caller's settings, the defaults stored on first use."""
        found = await uow.notifications.settings(caller.user_id)
        if found is None:
            now = self._clock.now()
            defaults = NotificationSettings(**DEFAULT_SWITCHES, created_at=now, updated_at=now)
            await uow.notifications.add_settings(caller.user_id, defaults)
            found = await uow.notifications.settings(caller.user_id)
        assert found is not None
        return found
