"""Copies when Binance is down for a while: the simulator's facade answers 503 (Binance's
-1001) to a path until the test clears the outage. A copy the exchange did not answer is
tried again after a backoff and placed once; one it never answers fails in the end."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import OPEN, PUBLISH, copies_of, follower, position
from tests.builders.documented import STRATEGY_1
from tests.builders.exchange_keys import on_the_simulator
from tradedesk.domain.copying.dispatcher import MAX_ATTEMPTS
from tradedesk.domain.copying.model import CopyReason, CopyStatus
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue):
    return on_the_simulator(venue)


async def the_copy(runtime, published):
    [copy] = (await copies_of(runtime, published["data"]["publishSignal"]["signal"]["id"])).values()
    return copy


async def test_a_copy_the_exchange_did_not_answer_is_placed_once_it_answers(
    admin, client, cognito, venue, runtime, clock, faults
):
    engine, _base = venue
    await follower(client, cognito, venue, "patient", 1000, CONSERVATIVE)
    outage = faults.outage("/fapi/v1/order")  # no order goes through
    published = await admin.graphql(PUBLISH, {"input": OPEN})

    assert await runtime.services.copy_dispatcher.drain() == 1
    waiting = await the_copy(runtime, published)
    faults.clear()
    assert await runtime.services.copy_dispatcher.drain() == 0  # not before its backoff
    clock.advance(timedelta(seconds=1))
    assert await runtime.services.copy_dispatcher.drain() == 1
    await runtime.services.protection.tick()
    placed = await the_copy(runtime, published)

    assert outage.refused > 0  # the entry (and the look-ups for it) met the outage
    assert (waiting.status, waiting.attempts, waiting.reason) == (CopyStatus.PENDING, 1, None)
    assert (placed.status, placed.attempts) == (CopyStatus.PLACED, 2), placed.reason
    assert position(venue, "patient") == Decimal("0.075")
    entries = [o for o in engine.orders("patient", Kind.FUTURES, "BTCUSDT")]
    assert [o.client_order_id[-1] for o in entries] == ["e"]  # placed once
    assert len(engine.open_conditionals("patient", Kind.FUTURES, "BTCUSDT")) == 3


async def test_an_open_held_up_until_the_strategy_closed_is_not_placed_at_all(
    admin, client, cognito, venue, runtime, clock, faults
):
    await follower(client, cognito, venue, "late", 1000, CONSERVATIVE)
    faults.outage("/fapi/v1/order")  # the entry cannot go out ...
    opened = await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()
    closed = await admin.graphql(PUBLISH, {"input": {"strategyId": STRATEGY_1, "action": "CLOSE"}})
    faults.clear()  # ... until after the strategy closed the trade
    clock.advance(timedelta(seconds=1))
    await runtime.services.copy_dispatcher.drain()

    skipped, nothing = await the_copy(runtime, opened), await the_copy(runtime, closed)
    assert (skipped.status, skipped.reason_code) == (
        CopyStatus.SKIPPED,
        CopyReason.CLOSED_BY_STRATEGY,
    )
    assert (nothing.status, nothing.reason_code) == (
        CopyStatus.SKIPPED,
        CopyReason.NOTHING_TO_CLOSE,
    )
    assert position(venue, "late") == 0


@pytest.mark.parametrize(
    ("between_attempts", "attempts"),
    [(timedelta(seconds=20), MAX_ATTEMPTS), (timedelta(minutes=3), 2)],
    ids=["out-of-attempts", "past-the-deadline"],
)
async def test_a_copy_the_exchange_never_answers_fails_in_the_end(
    admin, client, cognito, venue, runtime, clock, faults, between_attempts, attempts
):
    await follower(client, cognito, venue, "stranded", 1000, CONSERVATIVE)
    faults.outage("/fapi/v3/account")  # the copy cannot even read the equity
    published = await admin.graphql(PUBLISH, {"input": OPEN})

    statuses = []
    while CopyStatus.FAILED not in statuses and len(statuses) <= MAX_ATTEMPTS:
        await runtime.services.copy_dispatcher.drain()
        statuses.append((await the_copy(runtime, published)).status)
        clock.advance(between_attempts)
    failed = await the_copy(runtime, published)

    assert statuses == [CopyStatus.PENDING] * (attempts - 1) + [CopyStatus.FAILED]
    assert failed.reason == f"gave up after {attempts} attempts: exchange bad request (1500)"
    assert failed.reason_code is CopyReason.EXCHANGE_UNAVAILABLE
    assert position(venue, "stranded") == 0


async def test_a_close_is_tried_until_it_goes_through(
    admin, client, cognito, venue, runtime, clock, faults
):
    """However long the exchange refuses orders, past every attempt and deadline an OPEN
    would have, the CLOSE stays due and closes once orders go through again."""
    await follower(client, cognito, venue, "closing", 1000, CONSERVATIVE)
    await admin.graphql(PUBLISH, {"input": OPEN})
    await runtime.services.copy_dispatcher.drain()
    faults.outage("/fapi/v1/order")
    closed = await admin.graphql(PUBLISH, {"input": {"strategyId": STRATEGY_1, "action": "CLOSE"}})

    for _ in range(MAX_ATTEMPTS + 2):
        await runtime.services.copy_dispatcher.drain()
        clock.advance(timedelta(minutes=3))
    waiting = await the_copy(runtime, closed)
    faults.clear()
    await runtime.services.copy_dispatcher.drain()
    done = await the_copy(runtime, closed)

    assert waiting.status is CopyStatus.PENDING and waiting.attempts > MAX_ATTEMPTS
    assert (done.status, done.reason) == (CopyStatus.PLACED, None)
    assert position(venue, "closing") == 0
