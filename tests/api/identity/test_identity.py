"""Identity: real Cognito tokens (moto) accepted; every kind of bad token refused alike."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk
from sqlalchemy import func, select

from tests.builders.accounts import PROFILE
from tradedesk.persistence.tables import UserRow

pytestmark = pytest.mark.asyncio
UNAUTHORIZED = {"message": "unauthorized"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, claims: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


async def test_a_cognito_access_token_opens_private_routes(client, cognito):
    token = cognito.access_token("alice")

    with_prefix = await client.get(PROFILE, headers={"authorization": f"Bearer {token}"})
    bare = await client.get(PROFILE, headers={"authorization": token})

    assert with_prefix.status_code == 200
    assert bare.status_code == 200
    assert with_prefix.json() == bare.json()


async def test_first_sight_creates_one_user_with_the_email_and_name(client, cognito, runtime):
    # Cognito puts e-mail and name in ID tokens only; moto omits them, so the pool's own key
    # signs a token that carries them.
    token = cognito.forge({"sub": "bruno", "email": "bruno@example.com", "name": "Bruno B"})

    responses = await asyncio.gather(
        *(client.get(PROFILE, headers={"authorization": token}) for _ in range(5))
    )

    assert {response.status_code for response in responses} == {200}
    async with runtime.engine.connect() as connection:
        users = (await connection.execute(select(UserRow.email, UserRow.name))).all()
    assert users == [("bruno@example.com", "Bruno B")]


async def test_an_access_token_users_email_is_asked_of_cognito_once_and_kept(
    client, cognito, runtime
):
    token = cognito.access_token("carla")  # access tokens carry no e-mail

    answer = await client.get(PROFILE, headers={"authorization": token})

    assert answer.status_code == 200
    async with runtime.engine.connect() as connection:
        emails = (await connection.execute(select(UserRow.email))).scalars().all()
    assert emails == ["carla@example.com"]  # from Cognito's GetUser, with the user's token


async def test_cognito_groups_become_roles(client, cognito, runtime):
    admin = await runtime.services.identity.authenticate(cognito.access_token("olga", admin=True))
    user = await runtime.services.identity.authenticate(cognito.access_token("carl"))

    assert admin.is_operator and admin.roles == {"admin"}
    assert not user.is_operator


def rejected_tokens(cognito) -> dict[str, str | None]:
    now = int(time.time())
    real = cognito.access_token("mallory")
    header, payload, signature = real.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered = b64(json.dumps({**claims, "sub": "someone-else"}).encode())
    public = jwk.construct(cognito.private_key(), "RS256").public_key().to_pem()
    hs256_body = unsigned({"alg": "HS256", "kid": "dummy", "typ": "JWT"}, claims)
    hs256 = hmac.new(public, hs256_body.encode(), hashlib.sha256).digest()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger_pem = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "no header": None,
        "empty bearer": "Bearer ",
        "garbage": "not-a-jwt",
        "alg none": unsigned({"alg": "none", "kid": "dummy"}, claims) + ".",
        "HS256 keyed with the public key": f"{hs256_body}.{b64(hs256)}",
        "expired": cognito.forge({"iat": now - 7200, "exp": now - 3600}),
        "not yet valid": cognito.forge({"nbf": now + 3600}),
        "wrong issuer": cognito.forge({"iss": "https://cognito-idp.example.com/other"}),
        "another app's token": cognito.access_token("mallory", client_id=cognito.other_client_id),
        "tampered payload": f"{header}.{tampered}.{signature}",
        "unknown key id": cognito.forge({}, kid="rotated-away", key=stranger_pem),
        "id token where access is expected": cognito.tokens("mallory")["IdToken"],
        "no subject": cognito.forge({"sub": None}),
    }


async def test_every_bad_token_is_refused_with_the_same_401(client, cognito, caplog):
    for case, token in rejected_tokens(cognito).items():
        headers = {} if token is None else {"authorization": token}
        response = await client.get(PROFILE, headers=headers)

        assert (case, response.status_code, response.json()) == (case, 401, UNAUTHORIZED)


async def test_graphql_private_fields_refuse_bad_tokens_as_unauthenticated(client, cognito):
    for case, token in rejected_tokens(cognito).items():
        headers = {} if token is None else {"authorization": token}
        response = await client.post(
            "/graphql", json={"query": "{ viewer { id } plans { name } }"}, headers=headers
        )

        body = response.json()
        assert response.status_code == 200, case
        assert body["data"] is None, case  # viewer is non-null, so the whole result is null
        [error] = body["errors"]
        assert error["message"] == "unauthorized", case
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}, case


async def test_public_fields_need_no_token(client):
    response = await client.post("/graphql", json={"query": "{ plans { name } }"})

    assert "errors" not in response.json()


async def test_the_reason_for_a_refusal_is_only_in_the_log(client, cognito, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="tradedesk.identity"):
        response = await client.get(
            PROFILE, headers={"authorization": cognito.forge({"iss": "https://evil.example"})}
        )

    assert response.json() == UNAUTHORIZED
    assert "Invalid issuer" in caplog.text


class TestIdTokenMode:
    @pytest.fixture
    def settings_overrides(self):
        return {"auth_token_use": "id"}

    async def test_id_tokens_are_accepted_and_access_tokens_refused(self, client, cognito):
        tokens = cognito.tokens("iris")

        by_id = await client.get(PROFILE, headers={"authorization": tokens["IdToken"]})
        by_access = await client.get(PROFILE, headers={"authorization": tokens["AccessToken"]})

        assert by_id.status_code == 200
        assert by_access.status_code == 401

    async def test_an_id_token_for_another_app_is_refused(self, client, cognito):
        token = cognito.tokens("iris", client_id=cognito.other_client_id)["IdToken"]

        response = await client.get(PROFILE, headers={"authorization": token})

        assert response.status_code == 401


async def test_users_are_counted_once_per_subject_across_tokens(client, cognito, runtime):
    for _ in range(2):
        token = cognito.access_token("dora")  # a fresh sign-in each time
        await client.get(PROFILE, headers={"authorization": token})

    async with runtime.engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(UserRow))
    assert count == 1


async def test_oversized_or_odd_claims_never_break_sign_in(client, cognito, runtime):
    odd = cognito.forge(
        {
            "sub": "odd-claims",
            "email": "x" * 400 + "@example.com",
            "name": "n" * 300,
            "cognito:groups": "admin",
        }
    )
    huge_subject = cognito.forge({"sub": "s" * 300})

    accepted = await client.get(PROFILE, headers={"authorization": odd})
    refused = await client.get(PROFILE, headers={"authorization": huge_subject})
    principal = await runtime.services.identity.authenticate(odd)

    assert accepted.status_code == 200
    assert (refused.status_code, refused.json()) == (401, UNAUTHORIZED)
    assert principal.roles == frozenset()  # a string is not a list of groups
    async with runtime.engine.connect() as connection:
        row = (await connection.execute(select(UserRow.email, UserRow.name))).one()
    assert tuple(row) == (None, None)
