"""reCAPTCHA v3 on writes, verified against a local siteverify over HTTP."""

from __future__ import annotations

import pytest

from tests.builders.accounts import Caller
from tests.standins.serving import Siteverify, free_port, serving

pytestmark = pytest.mark.asyncio
PROFILE = "/v1/priv/account/profile"


@pytest.fixture(scope="module")
def siteverify():
    standin = Siteverify()
    with serving(standin.app) as base:
        standin.url = f"{base}/siteverify"
        yield standin


@pytest.fixture
def settings_overrides(siteverify):
    return {
        "recaptcha_secret": Siteverify.SECRET,
        "recaptcha_verify_url": siteverify.url,
        "recaptcha_action": Siteverify.ACTION,
        "recaptcha_hostname": Siteverify.HOSTNAME,
    }


async def put_profile(alice: Caller, recaptcha: str | None, **fields):
    headers = dict(alice.headers)
    if recaptcha is not None:
        headers["recaptcha-token-v3"] = recaptcha
    return await alice.client.put(PROFILE, json=fields or {"firstName": "Changed"}, headers=headers)


async def test_a_person_may_write(alice, siteverify):
    response = await put_profile(alice, "human")

    assert response.status_code == 200
    assert siteverify.requests[-1]["response"] == "human"
    assert siteverify.requests[-1]["remoteip"] == "127.0.0.1"


async def test_the_minimum_score_is_inclusive(alice):
    assert (await put_profile(alice, "borderline")).status_code == 200


@pytest.mark.parametrize("token", [None, "", "bot", "other-action", "other-host", "replayed", "x"])
async def test_anything_else_is_403_and_writes_nothing(alice, token):
    response = await put_profile(alice, token)

    assert (response.status_code, response.json()) == (403, {"message": "forbidden"})
    assert (await alice.get(PROFILE)).json()["firstName"] is None


async def test_reads_need_no_recaptcha(alice):
    assert (await alice.get(PROFILE)).status_code == 200


async def test_a_missing_jwt_is_401_before_recaptcha(client):
    response = await client.put(PROFILE, json={"firstName": "X"})

    assert response.status_code == 401


async def test_graphql_mutations_need_recaptcha_too(alice):
    mutation = {
        "query": 'mutation { updateProfile(input: {firstName: "Changed"}) { errors { field } } }'
    }

    refused = await alice.client.post("/graphql", json=mutation, headers=alice.headers)
    accepted = await alice.client.post(
        "/graphql", json=mutation, headers={**alice.headers, "recaptcha-token-v3": "human"}
    )
    query = await alice.client.post(
        "/graphql", json={"query": "{ viewer { profile { firstName } } }"}, headers=alice.headers
    )

    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert accepted.status_code == 200
    assert query.json()["data"]["viewer"]["profile"]["firstName"] == "Changed"


class TestVerifierUnreachable:
    @pytest.fixture
    def settings_overrides(self):
        return {
            "recaptcha_secret": Siteverify.SECRET,
            "recaptcha_verify_url": f"http://127.0.0.1:{free_port()}/siteverify",
        }

    async def test_writes_answer_503_and_change_nothing(self, alice):
        response = await put_profile(alice, "human")
        graph = await alice.client.post(
            "/graphql",
            json={
                "query": 'mutation { updateProfile(input: {firstName: "X"}) { errors { field } } }'
            },
            headers={**alice.headers, "recaptcha-token-v3": "human"},
        )

        assert (response.status_code, response.json()) == (503, {"message": "service unavailable"})
        assert graph.status_code == 503
        assert (await alice.get(PROFILE)).json()["firstName"] is None
