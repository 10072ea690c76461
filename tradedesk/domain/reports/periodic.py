"""Weekly and monthly reports: per key, the balance at the period's start and end (from the
daily snapshots), the change, the trades closed, the wins and the realised profit, and for a
follower each strategy's part; with a chart of the balance over the period.

A week is an ISO week (Monday 00:00 to Monday 00:00) and a month a calendar month, both in the
user's time zone. Reports go by e-mail to users who switched them on, once per user and
period however many processes run (a claim row, taken back if the mail did not go out).
"""

from __future__ import annotations

import html
import logging
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tradedesk.domain.alerts.ports import Mailer
from tradedesk.domain.errors import Unavailable
from tradedesk.domain.ports import Clock
from tradedesk.domain.reports.model import KeyReport, Period, PeriodKind, Report
from tradedesk.domain.reports.ports import ReportsUnitOfWorkFactory
from tradedesk.domain.trading.model import ExitFill

log = logging.getLogger("tradedesk.reports")

CLAIM_LEASE = timedelta(minutes=15)  # a claim whose sender died is taken over after this


class Reports:
    def __init__(
        self,
        *,
        uow_factory: ReportsUnitOfWorkFactory,
        mailer: Mailer | None,
        clock: Clock,
        owner: str,
    ) -> None:
        self._uow_factory = uow_factory
        self._mailer = mailer
        self._clock = clock
        self._owner = owner

    async def build(self, user_id: str, period: Period) -> Report:
        """The user's report of the period, from the snapshots and fills the platform kept."""
        async with self._uow_factory() as uow:
            profile = await uow.profiles.get(user_id)
            zone = _zone(profile.timezone)
            keys = await uow.exchange_keys.list_for_user(user_id)
            last_day = period.end - timedelta(days=1)
            snapshots = await uow.reports.snapshots([k.id for k in keys], period.start, last_day)
            fills = await uow.reports.exit_fills(
                user_id, _utc(period.start, zone), _utc(period.end, zone)
            )
            traded = sorted({fill.trade_id for fill in fills})
            strategies = await uow.reports.strategies_of_trades(traded)
        by_key: defaultdict[str, list[ExitFill]] = defaultdict(list)
        for fill in fills:
            by_key[fill.key_id].append(fill)
        return Report(
            user_id=user_id,
            period=period,
            timezone=zone.key,
            keys=[
                _key_report(k.id, k.name, snapshots.get(k.id, []), by_key[k.id], strategies)
                for k in keys
            ],
        )

    async def send_due(self) -> int:
        """Mails every report that is due and not yet sent; how many went out."""
        if self._mailer is None:
            return 0
        sent = 0
        for kind in PeriodKind:
            async with self._uow_factory() as uow:
                readers = await uow.reports.readers(kind.value)
                due = []
                for reader in readers:
                    today = self._clock.now().astimezone(_zone(reader.timezone)).date()
                    period = Period.last_complete(kind, today)
                    if reader.joined_on < period.end and reader.email is not None:
                        due.append((reader, period))
                # one read of what went out already: an idle round costs two queries a kind
                done = await uow.reports.sent([(r.user_id, p.label) for r, p in due])
            for reader, period in due:
                if (reader.user_id, period.label) not in done:
                    assert reader.email is not None
                    sent += await self._send(reader.user_id, reader.email, period)
        return sent

    async def _send(self, user_id: str, email: str, period: Period) -> int:
        assert self._mailer is not None
        now = self._clock.now()
        async with self._uow_factory() as uow:
            claimed = await uow.reports.claim(
                user_id, period.label, owner=self._owner, now=now, lease=CLAIM_LEASE
            )
            await uow.commit()
        if not claimed:
            return 0
        report = await self.build(user_id, period)
        try:
            await self._mailer.send(
                email, f"Tradedesk report {period.label}", render_text(report), render_html(report)
            )
        except Unavailable:
            log.warning("report %s of %s: mail not taken; tried again", period.label, user_id)
            async with self._uow_factory() as uow:
                await uow.reports.release(user_id, period.label)
                await uow.commit()
            return 0
        async with self._uow_factory() as uow:
            await uow.reports.mark_sent(user_id, period.label, now=self._clock.now())
            await uow.commit()
        return 1


def _key_report(
    key_id: str,
    name: str,
    snapshots: list[tuple[date, float]],
    fills: list[ExitFill],
    strategies: dict[str, str],
) -> KeyReport:
    trades: defaultdict[str, float] = defaultdict(float)
    by_strategy: defaultdict[str, float] = defaultdict(float)
    for fill in fills:
        trades[fill.trade_id] += fill.realized_pnl or 0.0
        if fill.trade_id in strategies:
            by_strategy[strategies[fill.trade_id]] += fill.realized_pnl or 0.0
    ordered = sorted(snapshots)
    return KeyReport(
        key_id=key_id,
        name=name,
        start_usd=ordered[0][1] if ordered else None,
        end_usd=ordered[-1][1] if ordered else None,
        trades=len(trades),
        wins=sum(1 for pnl in trades.values() if pnl > 0),
        realized_pnl=round(sum(trades.values()), 8),
        strategies={name: round(pnl, 8) for name, pnl in sorted(by_strategy.items())},
        balances=ordered,
    )


def render_text(report: Report) -> str:
    lines = [f"Tradedesk report {report.period.label} ({report.timezone})"]
    for key in report.keys:
        lines.append("")
        lines.append(f"{key.name}: {_usd(key.start_usd)} -> {_usd(key.end_usd)}"
                     f" ({_signed(key.change_usd)})")  # fmt: skip
        pnl = _signed(key.realized_pnl)
        lines.append(f"  trades {key.trades}, wins {key.wins}, realised PnL {pnl}")
        lines.extend(f"  {name}: {_signed(pnl)}" for name, pnl in key.strategies.items())
    return "\n".join(lines)


def render_html(report: Report) -> str:
    rows = []
    for key in report.keys:
        strategies = "".join(
            f"<li>{html.escape(name)}: {_signed(pnl)}</li>" for name, pnl in key.strategies.items()
        )
        rows.append(
            f"<section><h2>{html.escape(key.name)}</h2>"
            f"<p>Balance {_usd(key.start_usd)} &rarr; {_usd(key.end_usd)}"
            f" ({_signed(key.change_usd)})</p>"
            f"<p>Trades {key.trades}, wins {key.wins}, realised PnL {_signed(key.realized_pnl)}</p>"
            f"{f'<ul>{strategies}</ul>' if strategies else ''}"
            f"{balance_chart(key.balances)}</section>"
        )
    title = f"Tradedesk report {report.period.label}"
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>{html.escape(report.timezone)}</p>{''.join(rows)}</body></html>"
    )


def balance_chart(balances: list[tuple[date, float]], width: int = 480, height: int = 120) -> str:
    """The balance over the period as an inline SVG line (nothing for fewer than two days)."""
    if len(balances) < 2:
        return ""
    values = [usd for _day, usd in balances]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - (usd - low) / span * height:.1f}" for i, usd in enumerate(values)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="balance">'
        f'<polyline fill="none" stroke="#2563eb" stroke-width="2" points="{points}"/></svg>'
    )


def _usd(amount: float | None) -> str:
    return "n/a" if amount is None else f"{amount:,.2f} USD"


def _signed(amount: float | None) -> str:
    return "n/a" if amount is None else f"{amount:+,.2f} USD"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _utc(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)
