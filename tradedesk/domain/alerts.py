"""Alerts: what a trader is told of their trades, on the channels they chose, and of copying
that stopped or skipped for a reason they can act on.

A transactional outbox. When a trade event happens (an entry placed, a take profit or stop
filled), one alert per channel the user switched on for that kind is written in the same
transaction as the event itself, so an event is never lost and never alerted twice. A
copying notice goes to every channel the user can be reached on (Telegram when linked,
e-mail), once per cause. The dispatcher (`domain/alert_delivery.py`) sends them afterwards;
trading never waits on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from tradedesk.domain.copying_notices import CopyingNotice
from tradedesk.domain.trade_events import TradeEvent, TradeEventKind

if TYPE_CHECKING:
    from tradedesk.domain.ports import Ids, UnitOfWork


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


async def record_alerts(
    uow: UnitOfWork, ids: Ids, events: Sequence[tuple[str, TradeEvent | CopyingNotice]]
) -> None:
    """Writes, in `uow`, the alerts each (user, event or notice) calls for: one read of the
    users' preferences and one write, however many; a notice's cause already told is left
    out by the outbox."""
    if not events:
        return
    preferences = await uow.alerts.preferences(sorted({user for user, _event in events}))
    alerts = [
        Alert(id=ids.new_id(), user_id=user, channel=channel, event=event)
        for user, event in events
        for channel in preferences[user].channels_for(event)
    ]
    await uow.alerts.add_many(alerts)
