"""Which channels an alert goes to: a trade event by the user's switches, a copying notice to
every channel the user can be reached on, whatever the switches say."""

from __future__ import annotations

from datetime import UTC, datetime

from tradedesk.domain.alerts.model import AlertChannel, AlertPreferences
from tradedesk.domain.copying_notices import NoticeKind, notice
from tradedesk.domain.trade_events import TradeEvent, TradeEventKind

AT = datetime(2026, 12, 3, 12, tzinfo=UTC)
ENTRY = TradeEvent(
    kind=TradeEventKind.ENTRY, key_id="k", symbol="BTC/USDT", side="buy", amount=0.01,
    price=19700.0, order_id="1", at=AT,
)  # fmt: skip
PAUSED = notice(
    NoticeKind.PAUSED_BY_PLAN, subject="f", key_id="k", symbol="BTC/USDT", detail="plan", at=AT
)


def test_a_notice_reaches_telegram_and_email_with_every_trade_switch_off():
    linked = AlertPreferences(frozenset(), telegram_linked=True)
    unlinked = AlertPreferences(frozenset(), telegram_linked=False)

    assert linked.channels_for(ENTRY) == []
    assert linked.channels_for(PAUSED) == [AlertChannel.TELEGRAM, AlertChannel.EMAIL]
    assert unlinked.channels_for(PAUSED) == [AlertChannel.EMAIL]


def test_a_trade_event_reaches_only_the_switched_on_channels():
    chosen = AlertPreferences(frozenset({"telegram_new_order"}), telegram_linked=True)

    assert chosen.channels_for(ENTRY) == [AlertChannel.TELEGRAM]


def test_a_notices_cause_is_its_kind_subject_and_utc_day():
    assert PAUSED.cause == "PAUSED_BY_PLAN:f:2026-12-03"
