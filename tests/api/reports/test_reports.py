"""Weekly and monthly reports: figures from the daily snapshots and the exit fills the keeper
recorded, periods in the user's time zone, `tradedesk report` to a file, and mail sent once
per user and period to a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.builders.accounts import user_id
from tests.builders.catalog import CONSERVATIVE
from tests.builders.documented import STRATEGY_1
from tests.builders.trading import bought
from tests.support.processes import TRADEDESK, clean_environment
from tradedesk.domain.copying.model import CopyStatus, SignalCopy, StrategyFollow
from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey, StrategyType
from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.domain.reports.model import Period, PeriodKind
from tradedesk.domain.strategies.model import Signal, SignalAction
from tradedesk.domain.trading.model import ExitFill
from tradedesk.integrations.secret_box import FernetSecretBox
from tradedesk.jobs.schedule import serve_jobs
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(mailbox):
    return {"smtp_url": mailbox.url}


def utc(day: int, hour: int) -> datetime:
    return datetime(2022, 10, day, hour, tzinfo=UTC)


async def seeded_week(runtime, clock, owner: str) -> tuple[str, str]:
    """Two keys with a week of snapshots; on the first, a manual trade that won (+30, -10) and
    a copy of STRATEGY #1 that lost (-15), plus fills either side of the week in Dubai."""
    now = clock.now()
    box = FernetSecretBox.local(runtime.settings.data_dir)
    keys = {}
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        for name, start, end in (("Main", 1000, 1100), ("Spare", 500, 450)):
            key = ExchangeKey(
                id=str(uuid.uuid4()), user_id=owner, exchange_id=ExchangeId.BINANCE,
                trade_type=TradeType.FUTURES, strategy_type=StrategyType.AUTOMATED, name=name,
                api_key=f"{name}-{owner[:8]}", api_key_status=ApiKeyStatus.AUTHORIZED,
                active=True, ip_restricted=True, created_at=now, updated_at=now,
            )  # fmt: skip
            await uow.exchange_keys.add(key, box.seal("s"), balance_usd=start, checked_at=now)
            for n in range(7):  # 10 to 16 October, evenly from start to end
                usd = start + (end - start) * n / 6
                await uow.balance_snapshots.record(key.id, date(2022, 10, 10 + n), usd, now=now)
            keys[name] = key.id
        follow = StrategyFollow(
            id=str(uuid.uuid4()), user_id=owner, key_id=keys["Main"], strategy_id=STRATEGY_1,
            risk_profile_id=CONSERVATIVE, symbol="BTC/USDT", active=True,
            created_at=now, updated_at=now,
        )  # fmt: skip
        await uow.follows.add(follow)
        signal = Signal(
            strategy_id=STRATEGY_1, action=SignalAction.OPEN, side=OrderSide.BUY,
            stop_price=Decimal(19000), id=str(uuid.uuid4()), created_at=now,
        )  # fmt: skip
        await uow.signals.add(signal, created_by=owner)
        copy_id = str(uuid.uuid4())
        await uow.copies.add_many([
            SignalCopy(
                id=copy_id, signal_id=signal.id, follow_id=follow.id, user_id=owner,
                key_id=keys["Main"], symbol="BTC/USDT", risk_profile_percent=Decimal("1.5"),
                status=CopyStatus.PLACED, created_at=now, updated_at=now,
            )
        ])  # fmt: skip

        def fill(trade: str, pnl: float, at: datetime) -> ExitFill:
            return ExitFill(
                id=str(uuid.uuid4()), user_id=owner, key_id=keys["Main"], trade_id=trade,
                kind="TAKE_PROFIT" if pnl > 0 else "STOP", amount=0.01, price=20000.0,
                realized_pnl=pnl, at=at,
            )  # fmt: skip

        await uow.reports.add_fills([
            fill("manual-1", 30.0, utc(9, 21)),  # 10 October 01:00 in Dubai: inside
            fill("manual-1", -10.0, utc(12, 8)),
            fill(copy_id, -15.0, utc(14, 8)),
            fill("manual-2", 99.0, utc(16, 21)),  # 17 October 01:00 in Dubai: the next week
        ])  # fmt: skip
        await uow.commit()
    return keys["Main"], keys["Spare"]


async def test_a_weekly_report_adds_up_the_snapshots_and_fills(alice, runtime, clock):
    await alice.put("/v1/priv/account/profile", {"timezone": "Asia/Dubai"})
    owner = await user_id(alice)
    await seeded_week(runtime, clock, owner)

    report = await runtime.services.reports.build(owner, Period.parse("2022-W41"))

    by_name = {key.name: key for key in report.keys}
    main, spare = by_name["Main"], by_name["Spare"]
    assert report.timezone == "Asia/Dubai"
    assert (main.name, main.start_usd, main.end_usd, main.change_usd) == (
        "Main", 1000, 1100, 100
    )  # fmt: skip
    assert (main.trades, main.wins, main.realized_pnl) == (2, 1, 5.0)  # +20 won, -15 lost
    assert main.strategies == {"STRATEGY #1": -15.0}
    assert len(main.balances) == 7
    assert (spare.start_usd, spare.end_usd, spare.change_usd, spare.trades) == (500, 450, -50, 0)


@pytest.mark.parametrize(
    ("user", "period", "said"),
    [("00000000-0000-4000-8000-000000000000", "2022-W41", "tradedesk: no user"),
     (None, "2022-W60", "tradedesk: --period must be a week such as 2026-W47")],
)  # fmt: skip
async def test_the_report_command_refuses_an_unknown_user_or_period_in_one_line(
    alice, runtime, tmp_path, user, period, said
):
    process = await asyncio.create_subprocess_exec(
        TRADEDESK, "report", "--user", user or await user_id(alice), "--period", period,
        cwd=tmp_path,
        env=clean_environment(DATABASE_URL=runtime.settings.database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await process.communicate()

    assert process.returncode == 2
    assert err.decode().strip().startswith(said)
    assert list(tmp_path.glob("*.html")) == []  # no report written


async def test_the_report_command_renders_one_to_a_file(alice, runtime, clock, tmp_path):
    owner = await user_id(alice)
    await seeded_week(runtime, clock, owner)
    target = tmp_path / "week.html"

    process = await asyncio.create_subprocess_exec(
        TRADEDESK, "report", "--user", owner, "--period", "2022-W41", "--output", str(target),
        cwd=tmp_path,
        env=clean_environment(
            DATABASE_URL=runtime.settings.database_url,
            TRADEDESK_DATA_DIR=str(runtime.settings.data_dir),
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()

    assert process.returncode == 0, err
    assert out.decode().strip() == f"report written to {target}"
    page = target.read_text()
    assert "Tradedesk report 2022-W41" in page and "<svg" in page
    assert "1,000.00 USD &rarr; 1,100.00 USD (+100.00 USD)" in page
    assert "STRATEGY #1: -15.00 USD" in page


async def test_a_due_report_is_mailed_once_to_those_who_want_it(
    alice,
    bob,
    runtime,
    clock,
    mailbox,
):
    await alice.get("/v1/priv/account/profile")  # both signed up on 19 October
    await bob.put("/v1/priv/account/notification", {"weeklyReport": False})
    clock.advance(timedelta(days=7))  # the week of 17 October has ended
    reports = runtime.services.reports

    mailbox.refusing = True
    refused = await reports.send_due()
    mailbox.refusing = False
    first = await reports.send_due()
    again = await reports.send_due()

    assert (refused, first, again) == (0, 1, 0)  # kept for later, then sent once
    [mail] = mailbox.received
    assert mail["To"] == "alice@example.com"
    assert mail["Subject"] == "Tradedesk report 2022-W42"


async def test_serve_mails_due_reports_itself(
    alice,
    runtime,
    clock,
    mailbox,
):
    """On the embedded default no worker runs: `serve`'s own jobs send the reports."""
    await alice.get("/v1/priv/account/profile")
    clock.advance(timedelta(days=7))

    jobs = serve_jobs(runtime)
    try:
        for _ in range(100):
            if mailbox.received:
                break
            await asyncio.sleep(0.1)
    finally:
        await jobs.stop(grace_seconds=10)

    [mail] = mailbox.received
    assert mail["Subject"] == "Tradedesk report 2022-W42"


async def test_the_keeper_records_each_exit_fill_for_the_reports(alice, runtime, clock):
    owner = await user_id(alice)
    await bought(alice)  # on the paper exchange, with a take profit and a stop
    runtime.exchange.engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(18900))  # the stop
    await runtime.services.protection.tick()

    week = Period.last_complete(PeriodKind.WEEK, clock.now().date() + timedelta(days=7))
    [key] = (await runtime.services.reports.build(owner, week)).keys

    assert (key.trades, key.wins) == (1, 0)
    assert key.realized_pnl < 0  # stopped out below the entry


async def test_an_idle_round_costs_the_same_few_queries_however_many_readers(
    alice,
    bob,
    runtime,
    clock,
    count_statements,
    mailbox,
):
    await alice.get("/v1/priv/account/profile")
    await bob.get("/v1/priv/account/profile")
    clock.advance(timedelta(days=7))
    reports = runtime.services.reports
    assert await reports.send_due() == 2  # this week's, to both

    with count_statements:
        assert await reports.send_due() == 0  # nothing due any more

    assert len(count_statements.statements) <= 4  # readers and what was sent, per kind
