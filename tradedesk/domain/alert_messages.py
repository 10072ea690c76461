"""The words of an alert: short, in the user's language (EN or AR, Arabic kept right to left)
and time zone, naming the key, symbol, side, amount, price and, for a fill, the profit."""

from __future__ import annotations

import html
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tradedesk.domain.trade_events import TradeEvent, TradeEventKind

TITLES = {
    TradeEventKind.ENTRY: {"EN": "New order", "AR": "أمر جديد"},
    TradeEventKind.TAKE_PROFIT: {"EN": "Take profit filled", "AR": "تم تنفيذ جني الأرباح"},
    TradeEventKind.STOP: {"EN": "Stop loss filled", "AR": "تم تنفيذ وقف الخسارة"},
}
WORDS = {
    "EN": {"key": "Key", "at": "at", "pnl": "Realised PnL (before fees)", "buy": "BUY",
           "sell": "SELL", "deleted": "a deleted key"},
    "AR": {"key": "المفتاح", "at": "بسعر", "pnl": "الربح المحقق (قبل الرسوم)", "buy": "شراء",
           "sell": "بيع", "deleted": "مفتاح محذوف"},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who an alert goes to and how they read: their address, chat, language, time zone."""

    email: str | None
    telegram_chat_id: str | None
    language: str | None
    timezone: str | None


@dataclass(frozen=True, slots=True)
class AlertMessage:
    subject: str
    text: str
    html: str


def render(event: TradeEvent, key_name: str | None, recipient: Recipient) -> AlertMessage:
    language = (recipient.language or "EN").upper()
    if language not in WORDS:
        language = "EN"
    words = WORDS[language]
    title = TITLES[event.kind][language]
    side = words.get(event.side, event.side.upper())
    amount = "" if event.amount is None else f"{event.amount:g} "
    price = "" if event.price is None else f" {words['at']} {event.price:,.8g}"
    lines = [
        title,
        f"{side} {amount}{event.symbol}{price}",
        f"{words['key']}: {key_name or words['deleted']}",
    ]
    if event.realized_pnl is not None:
        lines.append(f"{words['pnl']}: {event.realized_pnl:+,.2f} {_quote(event.symbol)}")
    lines.append(_local_time(event, recipient.timezone))
    text = "\n".join(lines)
    direction = "rtl" if language == "AR" else "ltr"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page = f'<html lang="{language.lower()}" dir="{direction}"><body>{body}</body></html>'
    subject = f"Tradedesk: {title} · {event.symbol}"
    return AlertMessage(subject=subject, text=text, html=page)


def _quote(symbol: str) -> str:
    return symbol.split("/")[-1] if "/" in symbol else ""


def _local_time(event: TradeEvent, timezone: str | None) -> str:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return f"{event.at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
