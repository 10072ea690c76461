"""v1 strategy follow routes: a key's follows, following a strategy, changing a follow."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tradedesk.domain.copying.follows import StrategyFollows, parse_follow
from tradedesk.domain.copying.model import FollowChanges
from tradedesk.rest import bodies
from tradedesk.rest import representations as rep
from tradedesk.rest.contract import Contract, Endpoint
from tradedesk.rest.guards import caller
from tradedesk.rest.inputs import Inputs
from tradedesk.rest.responses import JSON


def _follows(request: Request) -> StrategyFollows:
    return request.app.state.services.follows


async def list_follows(request: Request) -> Response:
    principal = await caller(request)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    inputs.valid()
    views = await _follows(request).list(principal, key_id)
    return JSON({"items": [rep.follow(view) for view in views]})


async def _body(request: Request, inputs: Inputs, *, creating: bool) -> FollowChanges:
    body = await inputs.json_object()
    inputs.valid()
    catalog = await _follows(request).catalog()
    changes = inputs.fields(lambda: parse_follow(body, catalog, creating=creating), FollowChanges())
    inputs.valid()
    return changes


async def create_follow(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    key_id = inputs.path_id("key_id")
    changes = await _body(request, inputs, creating=True)
    return JSON(rep.follow(await _follows(request).create(principal, key_id, changes)))


async def update_follow(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    follow_id = inputs.path_id("follow_id")
    changes = await _body(request, inputs, creating=False)
    return JSON(rep.follow(await _follows(request).update(principal, follow_id, changes)))


ROUTES = [
    Endpoint(
        "GET",
        "/priv/strategy/follow/exchange/key/{key_id}",
        list_follows,
        Contract("The strategies a key follows", private=True, response=rep.Items[rep.FollowBody]),
    ),
    Endpoint(
        "POST",
        "/priv/strategy/follow/exchange/key/{key_id}",
        create_follow,
        Contract(
            "Makes a key follow a strategy at a risk profile",
            private=True,
            body=bodies.NewFollow,
            response=rep.FollowBody,
        ),
    ),
    Endpoint(
        "PUT",
        "/priv/strategy/follow/{follow_id}",
        update_follow,
        Contract(
            "Changes a follow's strategy, risk profile or switch",
            private=True,
            body=bodies.FollowChanges,
            response=rep.FollowBody,
        ),
    ),
]
