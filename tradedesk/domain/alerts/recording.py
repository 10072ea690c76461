"""Alerts: what a trader is told of their trades, on the channels they chose, and of copying
that stopped or skipped for a reason they can act on.

A transactional outbox. When a trade event happens (an entry placed, a take profit or stop
filled), one alert per channel the user switched on for that kind is written in the same
transaction as the event itself, so an event is never lost and never alerted twice. A
copying notice goes to every channel the user can be reached on (Telegram when linked,
e-mail), once per cause. The dispatcher (`domain/alerts/delivery.py`) sends them afterwards;
trading never waits on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tradedesk.domain.alerts.model import Alert
from tradedesk.domain.alerts.ports import AlertsUnitOfWork
from tradedesk.domain.copying_notices import CopyingNotice
from tradedesk.domain.ports import Ids
from tradedesk.domain.trade_events import TradeEvent


async def record_alerts(
    uow: AlertsUnitOfWork, ids: Ids, events: Sequence[tuple[str, TradeEvent | CopyingNotice]]
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
