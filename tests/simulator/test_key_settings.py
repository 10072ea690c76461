"""What a key may do: withdrawal permission, IP restriction, position mode."""

from __future__ import annotations

from decimal import Decimal

import ccxt
import ccxt.async_support as ccxt_async
import pytest

from tests.simulator.facade import serving_facade
from tradedesk.integrations.exchange.ccxt_clients import rewrite_hosts
from tradedesk.simulator.server import parse_account


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("k:s:USDT=1000", set()),
        ("k:s:USDT=1000:withdraw", {"withdraw"}),
        ("k:s:USDT=1000:noip:hedge", {"noip", "hedge"}),
    ],
)
def test_account_flags_follow_the_balance(text, flags):
    spec = parse_account(text)

    assert (spec.api_key, spec.secret, spec.usdt, set(spec.flags)) == (
        "k",
        "s",
        Decimal(1000),
        flags,
    )


@pytest.fixture
async def venue():
    funds = Decimal(10000)
    async with serving_facade(
        {"careful": ("s1", funds), "risky": ("s2", funds)},
        risky={"can_withdraw": True, "ip_restricted": False, "hedge_mode": True},
    ) as served:
        yield served


async def futures_client(base: str, api_key: str, secret: str):
    client = ccxt_async.binanceusdm(
        {"apiKey": api_key, "secret": secret, "options": {"fetchCurrencies": False}}
    )
    client.urls["api"] = rewrite_hosts(client.urls["api"], base)
    return client


@pytest.mark.asyncio
async def test_api_restrictions_and_position_mode_are_the_keys_own(venue):
    _engine, base = venue
    careful = await futures_client(base, "careful", "s1")
    risky = await futures_client(base, "risky", "s2")
    try:
        await careful.load_markets()
        await risky.load_markets()
        careful_rights = await careful.sapi_get_account_apirestrictions()
        risky_rights = await risky.sapi_get_account_apirestrictions()
        careful_mode = await careful.fetch_position_mode("BTC/USDT:USDT")
        risky_mode = await risky.fetch_position_mode("BTC/USDT:USDT")
    finally:
        await careful.close()
        await risky.close()

    assert (careful_rights["enableWithdrawals"], careful_rights["ipRestrict"]) == (False, True)
    assert (risky_rights["enableWithdrawals"], risky_rights["ipRestrict"]) == (True, False)
    assert (careful_mode["hedged"], risky_mode["hedged"]) == (False, True)


@pytest.mark.asyncio
async def test_a_hedge_mode_account_cannot_place_one_way_orders(venue):
    _engine, base = venue
    risky = await futures_client(base, "risky", "s2")
    try:
        with pytest.raises(ccxt.ExchangeError, match="-4061"):
            await risky.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
    finally:
        await risky.close()
