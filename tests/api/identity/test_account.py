"""Account routes and fields: profile, notification method and settings, whitelist IPs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.builders.accounts import PROFILE_FIELDS, SETTINGS_FIELDS, Caller
from tradedesk.persistence.tables import NotificationMethodRow

pytestmark = pytest.mark.asyncio
PROFILE = "/v1/priv/account/profile"
METHOD = "/v1/priv/account/notification/method"
SETTINGS = "/v1/priv/account/notification"
WHITELIST = "/v1/priv/account/exchange/whitelist/ip"
DOCUMENTED_IPS = ["15.137.11.254", "221.110.159.85", "37.61.167.239", "13.24.123.234"]


@pytest.fixture
def settings_overrides():
    return {
        "whitelist_ips": ",".join(DOCUMENTED_IPS),
        "telegram_bot_url": "https://t.me/example",
    }


async def test_a_new_profile_is_empty_with_timestamps(alice):
    response = await alice.get(PROFILE)

    assert response.status_code == 200
    assert response.json() == {
        "lastName": None,
        "firstName": None,
        "country": None,
        "language": None,
        "timezone": None,
        "createdAt": "2022-10-19T15:09:49.057Z",
        "updatedAt": "2022-10-19T15:09:49.057Z",
    }


async def test_a_partial_update_changes_only_what_is_sent(alice, clock):
    await alice.put(
        PROFILE,
        {
            "lastName": "John",
            "firstName": "Doe",
            "country": "CA",
            "language": "EN",
            "timezone": "America/Toronto",
        },
    )
    clock.advance(timedelta(hours=1))

    response = await alice.put(PROFILE, {"language": "AR"})

    assert response.status_code == 200
    assert response.json() == {
        "lastName": "John",
        "firstName": "Doe",
        "country": "CA",
        "language": "AR",
        "timezone": "America/Toronto",
        "createdAt": "2022-10-19T15:09:49.057Z",
        "updatedAt": "2022-10-19T16:09:49.057Z",
    }
    assert (await alice.get(PROFILE)).json() == response.json()


async def test_every_invalid_field_is_reported_together_as_documented(alice):
    before = (await alice.get(PROFILE)).json()

    response = await alice.put(
        PROFILE,
        {
            "lastName": "Doe123",
            "country": "CAX",
            "language": "ENX",
            "timezone": "America/Torontox",
        },
    )

    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "value": "Doe123",
                "msg": "must be alpha character",
                "param": "lastName",
                "location": "body",
            },
            {
                "value": "CAX",
                "msg": "must be valid country",
                "param": "country",
                "location": "body",
            },
            {
                "value": "ENX",
                "msg": "must be a valid language",
                "param": "language",
                "location": "body",
            },
            {
                "value": "America/Torontox",
                "msg": "must be a valid timezone",
                "param": "timezone",
                "location": "body",
            },
        ]
    }
    assert (await alice.get(PROFILE)).json() == before  # nothing half-written


PROFILE_CASES = [
    ("firstName", "Doe", None),
    ("firstName", "Zoë", None),
    ("firstName", "محمد", None),
    ("firstName", "Mary Ann", "must be alpha character"),
    ("firstName", "", "must be alpha character"),
    ("firstName", "x" * 51, "must be alpha character"),
    ("lastName", "O'Neil", "must be alpha character"),
    ("lastName", 42, "must be alpha character"),
    ("lastName", None, "must be alpha character"),
    ("country", "CA", None),
    ("country", "ca", "must be valid country"),
    ("country", "XX", "must be valid country"),
    ("country", "CAN", "must be valid country"),
    ("language", "EN", None),
    ("language", "AR", None),
    ("language", "FR", "must be a valid language"),
    ("language", "en", "must be a valid language"),
    ("timezone", "America/Toronto", None),
    ("timezone", "UTC", None),
    ("timezone", "Asia/Dubai", None),
    ("timezone", "Mars/Olympus", "must be a valid timezone"),
    ("timezone", "", "must be a valid timezone"),
]


@pytest.mark.parametrize(("field", "value", "error"), PROFILE_CASES)
async def test_profile_rules_over_rest(alice, field, value, error):
    response = await alice.put(PROFILE, {field: value})

    if error is None:
        assert response.status_code == 200
        assert response.json()[field] == value
    else:
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"value": value, "msg": error, "param": field, "location": "body"}
        ]


# GraphQL's own String type refuses a number before these rules run.
GRAPHQL_PROFILE_CASES = [case for case in PROFILE_CASES if isinstance(case[1], str | None)]


@pytest.mark.parametrize(("field", "value", "error"), GRAPHQL_PROFILE_CASES)
async def test_profile_rules_over_graphql(alice, field, value, error):
    payload = await alice.update_profile({field: value})

    if error is None:
        assert payload["errors"] == []
        assert payload["profile"][field] == value
    else:
        assert payload["profile"] is None
        assert payload["errors"] == [{"field": field, "message": error, "code": "INVALID"}]


@pytest.mark.parametrize("body", ["[]", '"text"', "{not json", ""])
async def test_a_body_that_is_not_a_json_object_is_422(alice, body):
    response = await alice.client.put(
        PROFILE, content=body, headers={**alice.headers, "content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["param"] == "body"


async def test_graphql_and_rest_show_the_same_profile(alice):
    await alice.put(PROFILE, {"firstName": "Doe", "country": "AE"})

    body = await alice.graphql(f"{{ viewer {{ profile {{ {PROFILE_FIELDS} }} }} }}")

    assert body["data"]["viewer"]["profile"] == (await alice.get(PROFILE)).json()


async def test_the_notification_method_is_created_once_with_an_eight_character_code(alice):
    first = await alice.get(METHOD)
    second = await alice.get(METHOD)

    assert first.status_code == 200
    assert first.json() == second.json()
    body = first.json()
    assert list(body) == [
        "telegramBotUrl",
        "telegramAuthCode",
        "telegramActive",
        "createdAt",
        "updatedAt",
    ]
    assert body["telegramBotUrl"] == "https://t.me/example"
    assert body["telegramActive"] is False
    code = body["telegramAuthCode"]
    assert len(code) == 8 and code.isascii() and code.isalnum() and code == code.lower()


async def test_two_users_get_different_codes(alice, bob):
    codes = {(await user.get(METHOD)).json()["telegramAuthCode"] for user in (alice, bob)}

    assert len(codes) == 2


async def test_notification_defaults_as_documented(alice):
    response = await alice.get(SETTINGS)

    assert response.json() == {
        "weeklyReport": True,
        "monthlyReport": True,
        "emailNewOrder": True,
        "emailTakeProfit": True,
        "emailStopLoss": True,
        "telegramNewOrder": False,
        "telegramTakeProfit": False,
        "telegramStopLoss": False,
        "createdAt": "2022-10-19T15:09:49.057Z",
        "updatedAt": "2022-10-19T15:09:49.057Z",
    }


async def test_the_documented_settings_update(alice, clock):
    await alice.get(SETTINGS)
    clock.advance(timedelta(minutes=1))
    response = await alice.put(
        SETTINGS,
        {
            "weeklyReport": True,
            "monthlyReport": False,
            "emailNewOrder": True,
            "emailTakeProfit": True,
            "emailStopLoss": True,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["monthlyReport"] is False and body["weeklyReport"] is True
    assert body["updatedAt"] == "2022-10-19T15:10:49.057Z"
    assert body["createdAt"] == "2022-10-19T15:09:49.057Z"


@pytest.mark.parametrize("field", ["telegramNewOrder", "telegramTakeProfit", "telegramStopLoss"])
async def test_telegram_alerts_need_a_linked_telegram(alice, runtime, field):
    refused = await alice.put(SETTINGS, {field: True, "weeklyReport": False})

    assert refused.status_code == 422
    assert refused.json() == {
        "errors": [
            {
                "value": True,
                "msg": "account must be linked to Telegram",
                "param": field,
                "location": "body",
            }
        ]
    }
    assert (await alice.get(SETTINGS)).json()["weeklyReport"] is True  # nothing applied

    await link_telegram(alice, runtime)
    accepted = await alice.put(SETTINGS, {field: True})

    assert accepted.status_code == 200
    assert accepted.json()[field] is True


async def test_switching_telegram_alerts_off_needs_no_link(alice):
    response = await alice.put(SETTINGS, {"telegramStopLoss": False})

    assert response.status_code == 200


async def link_telegram(user: Caller, runtime) -> None:
    """What the Telegram bot does when the user sends it the auth code (a later capability)."""
    code = (await user.get(METHOD)).json()["telegramAuthCode"]
    async with runtime.engine.begin() as connection:
        await connection.execute(
            update(NotificationMethodRow)
            .where(NotificationMethodRow.telegram_auth_code == code)
            .values(telegram_active=True, telegram_chat_id="4242")
        )


@pytest.mark.parametrize("value", ["yes", 1, None, "true"])
async def test_switches_take_booleans_only(alice, value):
    response = await alice.put(SETTINGS, {"weeklyReport": value})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"value": value, "msg": "must be boolean", "param": "weeklyReport", "location": "body"}
    ]


async def test_settings_over_graphql_follow_the_same_rules(alice):
    refused = await alice.update_settings({"telegramNewOrder": True})
    accepted = await alice.update_settings({"monthlyReport": False})

    assert refused == {
        "notificationSettings": None,
        "errors": [
            {
                "field": "telegramNewOrder",
                "message": "account must be linked to Telegram",
                "code": "TELEGRAM_NOT_LINKED",
            }
        ],
    }
    assert accepted["errors"] == []
    assert accepted["notificationSettings"] == (await alice.get(SETTINGS)).json()


async def test_whitelist_ips_come_from_configuration(alice):
    rest = await alice.get(WHITELIST)
    graph = await alice.graphql("{ viewer { whitelistIps } }")

    assert rest.json() == DOCUMENTED_IPS
    assert graph["data"]["viewer"]["whitelistIps"] == DOCUMENTED_IPS


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", PROFILE),
        ("PUT", PROFILE),
        ("GET", METHOD),
        ("GET", SETTINGS),
        ("PUT", SETTINGS),
        ("GET", WHITELIST),
    ],
)
async def test_every_account_route_needs_a_token(client, method, path):
    response = await client.request(method, path, json={})

    assert (response.status_code, response.json()) == (401, {"message": "unauthorized"})


async def test_users_never_see_or_change_each_others_account(alice, bob, runtime):
    await alice.put(PROFILE, {"firstName": "Alice", "country": "CA"})
    await alice.put(SETTINGS, {"weeklyReport": False})
    await link_telegram(alice, runtime)
    alice_code = (await alice.get(METHOD)).json()["telegramAuthCode"]

    await bob.put(PROFILE, {"firstName": "Bob"})
    bob_profile = (await bob.get(PROFILE)).json()
    bob_settings = (await bob.get(SETTINGS)).json()
    bob_method = (await bob.get(METHOD)).json()
    bob_graph = await bob.graphql(
        f"{{ viewer {{ profile {{ firstName country }} notificationSettings {{ {SETTINGS_FIELDS} }}"
        " notificationMethod { telegramAuthCode telegramActive } } }"
    )

    assert bob_profile["firstName"] == "Bob" and bob_profile["country"] is None
    assert bob_settings["weeklyReport"] is True
    assert bob_method["telegramAuthCode"] != alice_code and bob_method["telegramActive"] is False
    viewer = bob_graph["data"]["viewer"]
    assert viewer["profile"] == {"firstName": "Bob", "country": None}
    assert viewer["notificationSettings"] == bob_settings
    assert viewer["notificationMethod"]["telegramActive"] is False
    assert (await alice.get(PROFILE)).json()["firstName"] == "Alice"
    # Bob cannot switch on Telegram alerts on the strength of Alice's link.
    assert (await bob.put(SETTINGS, {"telegramNewOrder": True})).status_code == 422
