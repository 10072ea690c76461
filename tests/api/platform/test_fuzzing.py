"""Property-based fuzzing with schemathesis: the v1 shim from its OpenAPI document and the
GraphQL API from introspection, as a signed-in user who has an exchange key, over a real
server on loopback. No answer may be a server error or break its documented schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.standins.serving import serving
from tradedesk.app import create_app

EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class LiveApi:
    def __init__(self, base_url: str, token: str, key_id: str, follow_id: str) -> None:
        self.base_url = base_url
        self.headers = {"authorization": f"Bearer {token}"}
        self.ids = {"key_id": key_id, "follow_id": follow_id}


@pytest.fixture
def settings_overrides():
    return {"default_plan": "PROFESSIONAL"}  # a plan that may follow strategies


@pytest.fixture
def live_api(runtime, cognito) -> Iterator[LiveApi]:
    """The service on the test database under uvicorn (its own runtime, event loop and paper
    exchange), with a user who has a futures key following a strategy."""
    token = cognito.access_token("fuzzer")
    with serving(create_app(runtime.settings), lifespan="on") as base_url:
        http = httpx.Client(base_url=base_url, headers={"authorization": f"Bearer {token}"})
        key = http.post(
            "/v1/priv/account/exchange/key",
            json={
                "exchangeId": "BINANCE",
                "tradeType": "FUTURES",
                "strategyType": "AUTOMATED",
                "name": "fuzz",
                "apiKey": "fuzz-key",
                "apiSecretKey": "fuzz-secret",
            },
        ).json()
        strategy = http.get("/v1/pub/strategy/list").json()["items"][0]
        profile = http.get("/v1/pub/strategy/profile/list").json()["items"][0]
        follow = http.post(
            f"/v1/priv/strategy/follow/exchange/key/{key['id']}",
            json={"strategyAutomatedId": strategy["id"], "strategyRiskProfileId": profile["id"]},
        ).json()
        yield LiveApi(base_url, token, key["id"], follow["id"])


@pytest.fixture
def v1_schema(live_api):
    return schemathesis.openapi.from_url(f"{live_api.base_url}/v1/openapi.json")


@pytest.fixture
def graphql_schema(live_api):
    return schemathesis.graphql.from_url(f"{live_api.base_url}/graphql", headers=live_api.headers)


def fuzz(schema, run: Callable[[Case], None], *, path_parameters=None, negative=False) -> None:
    """Runs `run` on generated cases of every operation of `schema` (schemathesis's pytest
    plugin needs pytest's private node ids, so the Hypothesis tests are built here)."""
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if negative else [])
    for result in schema.get_all_operations():
        operation = result.ok()
        taken = {
            name: value
            for name, value in (path_parameters or {}).items()
            if "{" + name + "}" in operation.path
        }
        for mode in modes:
            strategy = operation.as_strategy(mode, path_parameters=taken or None)

            @given(case=strategy)
            @EXAMPLES
            def check(case: Case) -> None:
                run(case)

            try:
                check()
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise  # an operation with no invalid input has no negative cases; fine


def test_v1_answers_only_documented_codes_and_shapes(live_api, v1_schema):
    def run(case: Case) -> None:
        case.call_and_validate(base_url=live_api.base_url, headers=live_api.headers, checks=CHECKS)

    fuzz(v1_schema, run, negative=True)  # ids at random: each a missing one
    fuzz(v1_schema, run, path_parameters=live_api.ids)  # the user's own key and follow


def test_graphql_never_answers_a_server_error(live_api, graphql_schema):
    """Refusals are GraphQL errors with a taxonomy code (NOT_FOUND, BAD_USER_INPUT, 3104...);
    only INTERNAL, the masked unexpected exception, or a 5xx is a server error."""

    def run(case: Case) -> None:
        response = case.call(base_url=live_api.base_url, headers=live_api.headers)
        assert response.status_code < 500, response.text
        errors = response.json().get("errors") or []
        codes = {(error.get("extensions") or {}).get("code") for error in errors}
        assert "INTERNAL" not in codes, response.text
        assert None not in codes, response.text  # every refusal says which kind it is

    fuzz(graphql_schema, run)
