"""The words of an alert: short, in the user's language (EN or AR, Arabic kept right to left)
and time zone, naming the key, symbol, side, amount, price and, for a fill, the profit; for
a copying notice, what stopped and what the follower can do about it."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tradedesk.domain.copying_notices import CopyingNotice, NoticeKind
from tradedesk.domain.trade_events import TradeEvent, TradeEventKind

TITLES = {
    TradeEventKind.ENTRY: {"EN": "New order", "AR": "أمر جديد"},
    TradeEventKind.TAKE_PROFIT: {"EN": "Take profit filled", "AR": "تم تنفيذ جني الأرباح"},
    TradeEventKind.STOP: {"EN": "Stop loss filled", "AR": "تم تنفيذ وقف الخسارة"},
}
NOTICES = {  # (title, what happened and what to do) per kind and language
    NoticeKind.PAUSED_BY_PLAN: {
        "EN": ("Copying paused", "Your plan no longer includes automated strategies. Choose a "
               "plan that does, then resume the follow."),
        "AR": ("تم إيقاف النسخ مؤقتًا", "لم تعد خطتك تشمل الاستراتيجيات الآلية. اختر خطة تشملها "
               "ثم استأنف المتابعة."),
    },
    NoticeKind.LOSS_LIMIT: {
        "EN": ("Daily loss limit reached", "No new copies today (UTC); copying resumes "
               "tomorrow."),
        "AR": ("تم بلوغ حد الخسارة اليومي", "لا نسخ جديدة اليوم (UTC)، ويستأنف النسخ غدًا."),
    },
    NoticeKind.KEY_REFUSED: {
        "EN": ("The exchange refused your key", "Copies on this key fail until you update "
               "the key or its permissions on the exchange."),
        "AR": ("رفضت المنصة مفتاحك", "ستفشل النسخ على هذا المفتاح حتى تحدّث المفتاح أو "
               "صلاحياته على المنصة."),
    },
    NoticeKind.BELOW_MINIMUM: {
        "EN": ("A copy was skipped", "Sized as your follow says, the trade is below the "
               "market's minimum. Add funds, or choose a higher risk profile or a larger size."),
        "AR": ("تم تخطي نسخة", "حجم الصفقة المحسوب حسب متابعتك أقل من الحد الأدنى للسوق. "
               "أضف رصيدًا أو اختر ملف مخاطر أعلى أو حجمًا أكبر."),
    },
    NoticeKind.LEVERAGE_CAP: {
        "EN": ("A copy was skipped", "Your follow's leverage cap leaves too little margin for "
               "the market's minimum. Raise the cap or add funds."),
        "AR": ("تم تخطي نسخة", "حد الرافعة المالية في متابعتك لا يترك هامشًا كافيًا للحد الأدنى "
               "للسوق. ارفع الحد أو أضف رصيدًا."),
    },
    NoticeKind.POSITION_HELD: {
        "EN": ("A copy was skipped", "Your key holds a position on this symbol that the "
               "strategy did not open. Close it to receive the next copies."),
        "AR": ("تم تخطي نسخة", "لدى مفتاحك مركز على هذا الرمز لم تفتحه الاستراتيجية. أغلقه "
               "لتصلك النسخ التالية."),
    },
    NoticeKind.MARGIN_SHORT: {
        "EN": ("A copy failed", "The exchange found too little margin on your futures account "
               "for the copy. Add funds or make your follow's copies smaller."),
        "AR": ("فشلت نسخة", "وجدت المنصة هامشًا غير كافٍ في حساب العقود الآجلة لديك لهذه النسخة. "
               "أضف رصيدًا أو صغّر حجم نسخ متابعتك."),
    },
    NoticeKind.PORTFOLIO_STOP: {
        "EN": ("Portfolio stop reached", "Your key's equity fell past your follow's portfolio "
               "stop. The strategy's position was closed and the follow paused; resuming it "
               "starts a new high."),
        "AR": ("تم بلوغ وقف المحفظة", "انخفضت قيمة حساب مفتاحك إلى ما بعد وقف المحفظة في "
               "متابعتك. تم إغلاق مركز الاستراتيجية وإيقاف المتابعة مؤقتًا، واستئنافها يبدأ "
               "قمة جديدة."),
    },
    NoticeKind.STOP_REPLACED: {
        "EN": ("Your position was briefly unprotected", "Your stop loss was no longer on the "
               "exchange (it rejected or expired it). A new stop loss at the same price was "
               "placed at once."),
        "AR": ("كان مركزك بلا حماية لفترة وجيزة", "لم يعد أمر وقف الخسارة موجودًا على المنصة "
               "(رفضته أو ألغته). تم وضع أمر وقف خسارة جديد بنفس السعر فورًا."),
    },
    NoticeKind.CLOSED_NO_STOP: {
        "EN": ("Your position was closed", "Your stop loss was no longer on the exchange and "
               "the price had already passed it, so the position was closed at market."),
        "AR": ("تم إغلاق مركزك", "لم يعد أمر وقف الخسارة موجودًا على المنصة وكان السعر قد "
               "تجاوزه، لذلك تم إغلاق المركز بسعر السوق."),
    },
}  # fmt: skip
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


def render(
    event: TradeEvent | CopyingNotice, key_name: str | None, recipient: Recipient
) -> AlertMessage:
    language = (recipient.language or "EN").upper()
    if language not in WORDS:
        language = "EN"
    if isinstance(event, CopyingNotice):
        return _notice(event, key_name, recipient, language)
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
    lines.append(_local_time(event.at, recipient.timezone))
    return _message(title, event.symbol, lines, language)


def _notice(
    notice: CopyingNotice, key_name: str | None, recipient: Recipient, language: str
) -> AlertMessage:
    words = WORDS[language]
    title, advice = NOTICES[notice.kind][language]
    lines = [
        title,
        f"{notice.symbol} · {words['key']}: {key_name or words['deleted']}",
        *([notice.detail] if language == "EN" else []),  # the record's words are English
        advice,
        _local_time(notice.at, recipient.timezone),
    ]
    return _message(title, notice.symbol, lines, language)


def _message(title: str, symbol: str, lines: list[str], language: str) -> AlertMessage:
    text = "\n".join(lines)
    direction = "rtl" if language == "AR" else "ltr"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page = f'<html lang="{language.lower()}" dir="{direction}"><body>{body}</body></html>'
    return AlertMessage(subject=f"Tradedesk: {title} · {symbol}", text=text, html=page)


def _quote(symbol: str) -> str:
    return symbol.split("/")[-1] if "/" in symbol else ""


def _local_time(at: datetime, timezone: str | None) -> str:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return f"{at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"
