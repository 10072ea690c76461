"""Alerts and the settings that route them: which channel, which events, which chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tradedesk.domain.copying_notices import CopyingNotice
from tradedesk.domain.trade_events import TradeEvent, TradeEventKind
from tradedesk.domain.validation import changed_fields


class AlertChannel(StrEnum):
    TELEGRAM = "telegram"
    EMAIL = "email"


class AlertStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"  # given up, or the channel is gone (chat blocked, no address)


# the settings switch that asks for each kind of alert on each channel
SWITCH = {
    (TradeEventKind.ENTRY, AlertChannel.EMAIL): "email_new_order",
    (TradeEventKind.TAKE_PROFIT, AlertChannel.EMAIL): "email_take_profit",
    (TradeEventKind.STOP, AlertChannel.EMAIL): "email_stop_loss",
    (TradeEventKind.ENTRY, AlertChannel.TELEGRAM): "telegram_new_order",
    (TradeEventKind.TAKE_PROFIT, AlertChannel.TELEGRAM): "telegram_take_profit",
    (TradeEventKind.STOP, AlertChannel.TELEGRAM): "telegram_stop_loss",
}


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    user_id: str
    channel: AlertChannel
    event: TradeEvent | CopyingNotice
    status: AlertStatus = AlertStatus.PENDING
    attempts: int = 0
    reason: str | None = None  # why it failed, or the last error of a retry


@dataclass(frozen=True, slots=True)
class AlertPreferences:
    """What a user chose, as their settings say (defaults for a user who never saved any)."""

    switches: frozenset[str]  # the settings attributes that are on
    telegram_linked: bool

    def channels_for(self, event: TradeEvent | CopyingNotice) -> list[AlertChannel]:
        """A trade event's switched-on channels; a copying notice goes to every channel the
        user can be reached on, whatever the trade switches say: it needs acting on."""
        return [
            channel
            for channel in AlertChannel
            if (isinstance(event, CopyingNotice) or SWITCH[(event.kind, channel)] in self.switches)
            and (channel is not AlertChannel.TELEGRAM or self.telegram_linked)
        ]


@dataclass(frozen=True, slots=True)
class TelegramLink:
    """The code a user sends the bot to link a chat; `active` once linked and not switched off."""

    auth_code: str
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationMethod:
    telegram_bot_url: str
    telegram_auth_code: str
    telegram_active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SwitchChanges:
    """Which alerts and reports an update switches on or off; None leaves one as it is."""

    weekly_report: bool | None = None
    monthly_report: bool | None = None
    email_new_order: bool | None = None
    email_take_profit: bool | None = None
    email_stop_loss: bool | None = None
    telegram_new_order: bool | None = None
    telegram_take_profit: bool | None = None
    telegram_stop_loss: bool | None = None

    def given(self) -> dict[str, bool]:
        return changed_fields(self)


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    weekly_report: bool
    monthly_report: bool
    email_new_order: bool
    email_take_profit: bool
    email_stop_loss: bool
    telegram_new_order: bool
    telegram_take_profit: bool
    telegram_stop_loss: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """A text message to the bot, as the webhook or polling receives it."""

    chat_id: str
    text: str
    language: str | None  # Telegram's `language_code` of the sender, e.g. `ar`
