"""Trade alerts by Telegram and e-mail: written with their events, sent by the dispatcher to
exactly the channels the user chose, once; retried while a channel is down; a blocked chat
unlinks. The Bot API is the stand-in (through python-telegram-bot), e-mail a real SMTP server
on loopback (aiosmtpd), trading the paper exchange."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.builders.accounts import user_id
from tests.builders.trading import bought
from tests.standins.telegram import BOT_TOKEN, WEBHOOK_SECRET, update
from tradedesk.domain.alerts.model import AlertStatus
from tradedesk.jobs.rounds import repeat
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
SETTINGS = "/v1/priv/account/notification"
CHAT = 8001


@pytest.fixture
def settings_overrides(bot_api, mailbox):
    return {
        "telegram_bot_token": BOT_TOKEN,
        "telegram_api_url": bot_api.base,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "smtp_url": mailbox.url,
        "mail_from": "Tradedesk <alerts@tradedesk.test>",
    }


async def linked(caller, client, chat: int = CHAT) -> None:
    """The caller's Telegram linked to `chat` through the bot."""
    code = (await caller.get(f"{SETTINGS}/method")).json()["telegramAuthCode"]
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    answer = await client.post("/webhooks/telegram", json=update(chat, code), headers=headers)
    assert answer.status_code == 200


async def alerts_of(runtime, caller):
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        return await uow.alerts.of_user(await user_id(caller))


async def test_each_alert_reaches_exactly_the_chosen_channels_once(
    alice, client, runtime, bot_api, mailbox
):
    await linked(alice, client)
    await alice.put(SETTINGS, {"telegramNewOrder": True, "telegramStopLoss": True,
                               "emailTakeProfit": False})  # fmt: skip
    linking_replies = len(bot_api.sent)
    paid = await bought(alice)
    delivery = runtime.services.alert_delivery

    await delivery.deliver_due()
    runtime.exchange.engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(18900))  # the stop
    await runtime.services.protection.tick()
    await delivery.deliver_due()
    await delivery.deliver_due()  # nothing twice

    telegram = [text for _chat, text in bot_api.sent[linking_replies:]]
    assert [text.splitlines()[0] for text in telegram] == ["New order", "Stop loss filled"]
    assert telegram[0].splitlines()[1:3] == [
        f"BUY 0.01 BTC/USDT at {paid:,.8g}",
        "Key: My paper key",
    ]
    [pnl] = [line for line in telegram[1].splitlines() if line.startswith("Realised PnL")]
    assert pnl.startswith("Realised PnL (before fees): -") and pnl.endswith(" USDT")  # a loss
    subjects = [message["Subject"] for message in mailbox.received]
    assert subjects == ["Tradedesk: New order · BTC/USDT", "Tradedesk: Stop loss filled · BTC/USDT"]
    # the access token has no e-mail claim: Cognito's GetUser gave the address, once
    assert {message["To"] for message in mailbox.received} == {"alice@example.com"}
    [text, html] = [part.get_content() for part in mailbox.received[1].iter_parts()]
    assert "Stop loss filled" in text and "<p>Stop loss filled</p>" in html
    assert {alert.status for alert in await alerts_of(runtime, alice)} == {AlertStatus.SENT}


async def test_a_take_profit_is_alerted_as_chosen_with_its_profit(
    alice, client, runtime, bot_api, mailbox
):
    await linked(alice, client)
    await alice.put(SETTINGS, {"emailNewOrder": False})  # take profits: e-mail only (default)
    await bought(alice)
    runtime.exchange.engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(20600))  # the ladder
    await runtime.services.protection.tick()

    await runtime.services.alert_delivery.deliver_due()

    [mail] = mailbox.received
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.splitlines()[0] == "Take profit filled"
    assert text.splitlines()[1].startswith("SELL 0.01 BTC/USDT at ")
    [pnl] = [line for line in text.splitlines() if line.startswith("Realised PnL")]
    assert pnl.startswith("Realised PnL (before fees): +")
    assert not any("Take profit" in sent for _chat, sent in bot_api.sent)  # not chosen there


async def test_alerts_are_in_the_users_language_and_time_zone(alice, client, runtime, bot_api):
    await alice.put("/v1/priv/account/profile", {"language": "AR", "timezone": "Asia/Dubai"})
    await linked(alice, client)
    await alice.put(SETTINGS, {"telegramNewOrder": True, "emailNewOrder": False})
    paid = await bought(alice)

    await runtime.services.alert_delivery.deliver_due()

    _chat, text = bot_api.sent[-1]
    assert text.splitlines()[0] == "أمر جديد"  # right-to-left text kept as it is
    assert text.splitlines()[1] == f"شراء 0.01 BTC/USDT بسعر {paid:,.8g}"
    assert text.endswith("(Asia/Dubai)")


async def test_a_channel_that_is_down_loses_nothing_and_is_tried_again(
    alice, client, runtime, bot_api, mailbox, clock, caplog
):
    caplog.set_level(logging.INFO)  # httpx logs every request's URL at INFO
    await linked(alice, client)
    await alice.put(SETTINGS, {"telegramNewOrder": True})
    bot_api.refuse(502, "Bad Gateway")
    mailbox.refusing = True
    await bought(alice)
    delivery = runtime.services.alert_delivery

    await delivery.deliver_due()
    waiting = await alerts_of(runtime, alice)
    bot_api.refuse_nothing()
    mailbox.refusing = False
    await delivery.deliver_due()  # not before the backoff
    early = len(mailbox.received)
    clock.advance(timedelta(seconds=6))
    await delivery.deliver_due()

    assert {(a.status, a.reason) for a in waiting} == {
        (AlertStatus.PENDING, "the channel did not answer")
    }
    assert early == 0
    assert len(mailbox.received) == 1
    assert [text.splitlines()[0] for _c, text in bot_api.sent[-1:]] == ["New order"]
    assert {a.status for a in await alerts_of(runtime, alice)} == {AlertStatus.SENT}
    assert "/sendMessage" in caplog.text  # the requests were logged ...
    assert BOT_TOKEN not in caplog.text  # ... without the bot's token


async def test_telegrams_flood_control_is_respected(alice, client, runtime, bot_api, clock):
    await linked(alice, client)
    await alice.put(SETTINGS, {"telegramNewOrder": True, "emailNewOrder": False})
    bot_api.refuse(429, "Too Many Requests: retry after 30", retry_after=30)
    await bought(alice)
    delivery = runtime.services.alert_delivery

    await delivery.deliver_due()
    bot_api.refuse_nothing()
    clock.advance(timedelta(seconds=20))
    await delivery.deliver_due()  # Telegram asked for 30 s
    before = len(bot_api.sent)
    clock.advance(timedelta(seconds=11))
    await delivery.deliver_due()

    assert len(bot_api.sent) == before + 1


async def test_a_chat_that_blocked_the_bot_unlinks_telegram(alice, client, runtime, bot_api):
    await linked(alice, client)
    await alice.put(SETTINGS, {"telegramNewOrder": True, "emailNewOrder": False})
    bot_api.refuse(403, "Forbidden: bot was blocked by the user")
    await bought(alice)

    await runtime.services.alert_delivery.deliver_due()

    [alert] = await alerts_of(runtime, alice)
    assert (alert.status, alert.reason) == (AlertStatus.FAILED, "the chat blocked the bot")
    method = (await alice.get(f"{SETTINGS}/method")).json()
    settings = (await alice.get(SETTINGS)).json()
    assert method["telegramActive"] is False
    assert settings["telegramNewOrder"] is False


async def test_under_serve_a_stop_is_alerted_within_two_poll_intervals(
    alice, client, runtime, bot_api
):
    await linked(alice, client)
    await alice.put(SETTINGS, {"telegramStopLoss": True, "emailNewOrder": False})
    await bought(alice)
    interval = 0.2
    stopping = asyncio.Event()
    loops = [  # the keeper's and the dispatcher's jobs, as serve schedules them
        asyncio.create_task(
            repeat(runtime.services.protection.tick, interval=interval, stopping=stopping,
                   name="protection keeper")
        ),
        asyncio.create_task(
            repeat(runtime.services.alert_delivery.deliver_backlog, interval=interval,
                   stopping=stopping, name="alert delivery")
        ),
    ]  # fmt: skip
    try:
        runtime.exchange.engine.set_price(Kind.FUTURES, "BTCUSDT", Decimal(18900))
        fired = time.monotonic()
        while not any("Stop loss" in text for _c, text in bot_api.sent):
            assert time.monotonic() - fired < 5, "no stop alert"
            await asyncio.sleep(0.02)
        took = time.monotonic() - fired
    finally:
        stopping.set()
        await asyncio.gather(*loops)

    assert took <= 2 * interval + 0.5  # two poll intervals, and the calls themselves


async def test_an_alert_batch_that_lost_its_lease_writes_no_outcome(alice, runtime, clock):
    await bought(alice)
    sessions = make_session_factory(runtime.engine)
    async with SqlUnitOfWork(sessions) as uow:
        stale = await uow.alerts.lease_due(
            token="stale", now=clock.now(), lease=timedelta(seconds=60), limit=10
        )
        await uow.commit()
    clock.advance(timedelta(seconds=61))  # its lease ran out; another dispatcher takes them
    async with SqlUnitOfWork(sessions) as uow:
        fresh = await uow.alerts.lease_due(
            token="fresh", now=clock.now(), lease=timedelta(seconds=60), limit=10
        )
        sent = [(replace(alert, status=AlertStatus.SENT), clock.now()) for alert in stale]
        await uow.alerts.finish_many(sent, token="stale")
        await uow.commit()

    assert stale and {a.id for a in fresh} == {a.id for a in stale}
    assert {a.status for a in await alerts_of(runtime, alice)} == {AlertStatus.PENDING}
