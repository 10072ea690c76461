"""Linking a Telegram chat through the bot: `POST /webhooks/telegram` verified by its secret
header, python-telegram-bot answering through a Bot API stand-in on loopback."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.standins.telegram import BOT_TOKEN, WEBHOOK_SECRET, update
from tests.support.processes import TRADEDESK, clean_environment
from tradedesk.domain.alerts.telegram_linking import REPLIES, WRONG_CODES_ALLOWED

pytestmark = pytest.mark.asyncio
WEBHOOK = "/webhooks/telegram"
METHOD = "/v1/priv/account/notification/method"
SETTINGS = "/v1/priv/account/notification"
SECRET_HEADER = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}


@pytest.fixture
def settings_overrides(bot_api):
    return {
        "telegram_bot_token": BOT_TOKEN,
        "telegram_api_url": bot_api.base,
        "telegram_webhook_secret": WEBHOOK_SECRET,
    }


async def send(client, chat_id: int, text: str, *, language: str = "en", headers=SECRET_HEADER):
    return await client.post(
        WEBHOOK, json=update(chat_id, text, language=language), headers=headers
    )


async def code_of(caller) -> str:
    return (await caller.get(METHOD)).json()["telegramAuthCode"]


async def test_start_with_the_code_links_the_chat_and_issues_a_new_code(alice, client, bot_api):
    code = await code_of(alice)

    delivered = await send(client, 7001, f"/start {code}")
    method = (await alice.get(METHOD)).json()
    switched = await alice.put(SETTINGS, {"telegramTakeProfit": True})

    assert (delivered.status_code, delivered.json()) == (200, {})  # answers go via the Bot API
    assert method["telegramActive"] is True
    assert method["telegramAuthCode"] != code  # single-use
    assert bot_api.sent == [("7001", REPLIES["linked"]["EN"])]
    assert switched.status_code == 200 and switched.json()["telegramTakeProfit"] is True


async def test_a_bare_code_links_and_the_answer_is_in_the_users_language(alice, client, bot_api):
    await alice.put("/v1/priv/account/profile", {"language": "AR"})

    await send(client, 7002, await code_of(alice), language="en")

    assert bot_api.sent == [("7002", REPLIES["linked"]["AR"])]  # right-to-left text intact


async def test_wrong_replayed_and_expired_codes_are_refused_politely(
    alice, bob, client, bot_api, clock
):
    used = await code_of(alice)
    await send(client, 7003, f"/start {used}")
    replayed = await send(client, 7004, f"/start {used}")  # the code linked once already
    wrong = await send(client, 7004, "/start nosuchcode", language="ar")
    stale = await code_of(bob)
    clock.advance(timedelta(hours=24, seconds=1))
    expired = await send(client, 7005, stale)

    assert [r.status_code for r in (replayed, wrong, expired)] == [200, 200, 200]
    assert bot_api.sent[1:] == [
        ("7004", REPLIES["wrong_code"]["EN"]),
        ("7004", REPLIES["wrong_code"]["AR"]),
        ("7005", REPLIES["wrong_code"]["EN"]),
    ]
    assert (await bob.get(METHOD)).json()["telegramActive"] is False


async def test_a_chat_that_keeps_guessing_is_made_to_wait(alice, client, bot_api):
    for n in range(WRONG_CODES_ALLOWED):
        await send(client, 7006, f"guess{n:04d}")
    await send(client, 7006, await code_of(alice))  # even the right code waits now

    assert bot_api.sent[-1] == ("7006", REPLIES["wait"]["EN"])
    assert (await alice.get(METHOD)).json()["telegramActive"] is False


async def test_stop_unlinks_and_switches_telegram_alerts_off(alice, client, bot_api):
    await send(client, 7007, f"/start {await code_of(alice)}")
    await alice.put(SETTINGS, {"telegramNewOrder": True, "telegramStopLoss": True})

    await send(client, 7007, "/stop")
    settings = (await alice.get(SETTINGS)).json()
    refused = await alice.put(SETTINGS, {"telegramNewOrder": True})

    assert (await alice.get(METHOD)).json()["telegramActive"] is False
    assert (settings["telegramNewOrder"], settings["telegramStopLoss"]) == (False, False)
    assert settings["emailNewOrder"] is True  # other channels untouched
    assert refused.status_code == 422  # Telegram must be linked again first
    assert bot_api.sent[-1] == ("7007", REPLIES["unlinked"]["EN"])


async def test_unlink_telegram_in_graphql(alice, client, bot_api):
    await send(client, 7008, f"/start {await code_of(alice)}")

    answer = await alice.graphql("mutation { unlinkTelegram { telegramActive } }")

    assert answer["data"]["unlinkTelegram"] == {"telegramActive": False}
    await send(client, 7008, "/stop")  # the chat is nobody's any more
    assert bot_api.sent[-1] == ("7008", REPLIES["unlinked"]["EN"])


async def test_without_a_public_url_the_bot_links_by_long_polling(alice, bot_api, runtime):
    linking = runtime.services.telegram_linking
    message = update(7010, f"/start {await code_of(alice)}")
    bot_api.pending.append(message)

    offset = await linking.poll_once(None, wait_seconds=0)
    again = await linking.poll_once(offset, wait_seconds=0)

    assert offset == again == message["update_id"] + 1  # confirmed: never acted on twice
    assert (await alice.get(METHOD)).json()["telegramActive"] is True
    assert bot_api.sent == [("7010", REPLIES["linked"]["EN"])]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"message": "text"}', b'{"message": {"text": "/stop"}}',
     b'{"message": {"chat": {"id": "7"}, "from": "x", "text": 5}}'],
)  # fmt: skip
async def test_odd_updates_are_acknowledged_and_do_nothing(alice, client, bot_api, body):
    answer = await client.post(
        WEBHOOK, content=body, headers={**SECRET_HEADER, "content-type": "application/json"}
    )

    assert (answer.status_code, answer.json()) == (200, {})
    assert bot_api.sent == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}],
    ids=["missing", "wrong"],
)
async def test_a_delivery_without_the_secret_is_401_and_does_nothing(
    alice, client, bot_api, headers
):
    answer = await send(client, 7009, f"/start {await code_of(alice)}", headers=headers)

    assert answer.status_code == 401
    assert (await alice.get(METHOD)).json()["telegramActive"] is False
    assert bot_api.sent == []


async def test_set_webhook_registers_the_url_and_the_secret(bot_api, tmp_path):
    process = await asyncio.create_subprocess_exec(
        TRADEDESK, "telegram", "set-webhook", "https://api.tradedesk.test/webhooks/telegram",
        cwd=tmp_path,
        env=clean_environment(
            TRADEDESK_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
            TRADEDESK_TELEGRAM_API_URL=bot_api.base,
            TRADEDESK_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()

    assert process.returncode == 0, err
    assert (
        out.decode().strip()
        == "telegram: webhook set to https://api.tradedesk.test/webhooks/telegram"
    )
    assert bot_api.webhook is not None
    assert bot_api.webhook["url"] == "https://api.tradedesk.test/webhooks/telegram"
    assert bot_api.webhook["secret_token"] == WEBHOOK_SECRET
