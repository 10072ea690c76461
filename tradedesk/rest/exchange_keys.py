"""v1 exchange key routes: list, create, rename, delete, balances."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tradedesk.domain.keys.balances import DEFAULT_LIMIT
from tradedesk.domain.keys.exchange_keys import ExchangeKeys, parse_key_changes, parse_new_key
from tradedesk.domain.keys.model import KeyChanges
from tradedesk.rest import bodies
from tradedesk.rest import representations as rep
from tradedesk.rest.contract import Contract, Endpoint
from tradedesk.rest.guards import caller
from tradedesk.rest.inputs import Inputs
from tradedesk.rest.key_list_bodies import KeyListBodies
from tradedesk.rest.params import LIMIT, NEXT_TOKEN, START
from tradedesk.rest.responses import JSON, js_number


def _keys(request: Request) -> ExchangeKeys:
    return request.app.state.services.exchange_keys


async def list_keys(request: Request) -> Response:
    principal = await caller(request)
    kept = await _keys(request).kept_list(principal)
    if kept is None:
        keys = await _keys(request).list(principal)
        return JSON({"items": [rep.exchange_key(key) for key in keys]})
    bodies: KeyListBodies = request.app.state.rest_key_list_bodies
    return Response(bodies.body(principal.user_id, kept), media_type="application/json")


async def create_key(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    body = await inputs.json_object()
    inputs.valid()
    new = parse_new_key(body)
    return JSON(rep.exchange_key(await _keys(request).create(principal, new)))


async def update_key(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    body = await inputs.json_object()
    changes = inputs.fields(lambda: parse_key_changes(body), KeyChanges())
    inputs.valid()
    return JSON(rep.exchange_key(await _keys(request).rename(principal, key_id, changes)))


async def delete_key(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    inputs.valid()
    await _keys(request).delete(principal, key_id)
    return Response(status_code=204)


async def key_balance(request: Request) -> Response:
    principal = await caller(request)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    inputs.valid()
    return JSON(rep.balances(await _keys(request).balance(principal, key_id)))


async def balance_history(request: Request) -> Response:
    principal = await caller(request)
    history = request.app.state.services.balance_history
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    start = inputs.query(START, None)
    limit = inputs.query(LIMIT, DEFAULT_LIMIT)
    after = inputs.query(NEXT_TOKEN.parsed_by(lambda raw: history.parse_token(key_id, raw)), None)
    inputs.valid()
    page = await history.page(principal, key_id, start=start, limit=limit, after=after)
    items = [rep.balance_day(item) for item in page.items]
    return JSON({"items": items, "nextToken": page.next_token})


async def total_balance(request: Request) -> Response:
    principal = await caller(request)
    return JSON({"USD": js_number(await _keys(request).total_usd(principal))})


ROUTES = [
    Endpoint(
        "GET",
        "/priv/account/exchange/balance",
        total_balance,
        Contract(
            "The USD total of the caller's active keys",
            private=True,
            response=rep.TotalBody,
            reaches_exchange=True,
        ),
    ),
    Endpoint(
        "GET",
        "/priv/account/exchange/key/list",
        list_keys,
        Contract(
            "The caller's exchange keys", private=True, response=rep.Items[rep.ExchangeKeyBody]
        ),
    ),
    Endpoint(
        "POST",
        "/priv/account/exchange/key",
        create_key,
        Contract(
            "Connects an exchange key (checked on the exchange first)",
            private=True,
            body=bodies.NewExchangeKey,
            response=rep.ExchangeKeyBody,
            reaches_exchange=True,
        ),
    ),
    Endpoint(
        "PUT",
        "/priv/account/exchange/key/{key_id}",
        update_key,
        Contract(
            "Renames an exchange key",
            private=True,
            body=bodies.ExchangeKeyChanges,
            response=rep.ExchangeKeyBody,
        ),
    ),
    Endpoint(
        "DELETE",
        "/priv/account/exchange/key/{key_id}",
        delete_key,
        Contract("Deletes an exchange key", private=True),
    ),
    Endpoint(
        "GET",
        "/priv/account/exchange/key/{key_id}/balance",
        key_balance,
        Contract(
            "One key's balances", private=True, response=rep.BalancesBody, reaches_exchange=True
        ),
    ),
    Endpoint(
        "GET",
        "/priv/account/exchange/key/{key_id}/balance/history",
        balance_history,
        Contract(
            "One key's daily USD totals, newest first",
            private=True,
            query=(START, LIMIT, NEXT_TOKEN),
            response=rep.Page[rep.BalanceDayBody],
        ),
    ),
]
