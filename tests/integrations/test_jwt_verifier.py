"""Key rotation and refresh throttling of the JWT verifier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.clocks import SteppedClock
from tradedesk.domain.errors import Unauthenticated, Unavailable
from tradedesk.integrations.identity.dev_issuer import CLIENT_ID, ISSUER, DevIssuer
from tradedesk.integrations.identity.jwks import HttpJwks, JwtVerifier

pytestmark = pytest.mark.asyncio
NOW = datetime.now(UTC)


class RotatingKeys:
    """A key set that can rotate, counting how often the verifier asks for it."""

    def __init__(self, *issuers: DevIssuer) -> None:
        self.published = [issuer.public_jwk for issuer in issuers]
        self.fetches = 0

    async def fetch(self):
        self.fetches += 1
        return {key["kid"]: key for key in self.published}


def verifier(keys, clock) -> JwtVerifier:
    return JwtVerifier(
        issuer=ISSUER, client_id=CLIENT_ID, token_use="access", keys=keys, clock=clock
    )


async def test_keys_are_fetched_once_and_reused(tmp_path):
    issuer = DevIssuer(tmp_path)
    keys = RotatingKeys(issuer)
    check = verifier(keys, SteppedClock(NOW))

    for n in range(5):
        claims = await check.verify(issuer.mint(subject=f"user-{n}", now=NOW))
        assert claims.subject == f"user-{n}"

    assert keys.fetches == 1


async def test_a_rotated_key_is_picked_up_on_first_sight(tmp_path):
    old, new = DevIssuer(tmp_path / "old"), DevIssuer(tmp_path / "new")
    keys = RotatingKeys(old)
    clock = SteppedClock(NOW)
    check = verifier(keys, clock)
    await check.verify(old.mint(subject="a", now=NOW))

    keys.published.append(new.public_jwk)
    clock.advance(timedelta(seconds=61))
    claims = await check.verify(new.mint(subject="b", now=NOW))

    assert claims.subject == "b"
    assert keys.fetches == 2


async def test_unknown_key_ids_refresh_at_most_once_a_minute(tmp_path):
    known, stranger = DevIssuer(tmp_path / "known"), DevIssuer(tmp_path / "stranger")
    keys = RotatingKeys(known)
    clock = SteppedClock(NOW)
    check = verifier(keys, clock)
    await check.verify(known.mint(subject="a", now=NOW))
    clock.advance(timedelta(seconds=61))

    for _ in range(50):
        with pytest.raises(Unauthenticated):
            await check.verify(stranger.mint(subject="x", now=NOW))
    assert keys.fetches == 2  # the first fetch and one refresh, not fifty

    clock.advance(timedelta(seconds=61))
    with pytest.raises(Unauthenticated):
        await check.verify(stranger.mint(subject="x", now=NOW))
    assert keys.fetches == 3


async def test_an_unreachable_key_set_is_unavailable_not_unauthenticated(tmp_path):
    issuer = DevIssuer(tmp_path)
    async with httpx.AsyncClient() as http:
        check = verifier(HttpJwks("http://127.0.0.1:1/jwks.json", http), SteppedClock(NOW))
        with pytest.raises(Unavailable):
            await check.verify(issuer.mint(subject="a", now=NOW))


class Unreachable:
    """A key set whose issuer is down, counting how often it is asked."""

    def __init__(self) -> None:
        self.fetches = 0

    async def fetch(self):
        self.fetches += 1
        raise Unavailable("identity provider keys unavailable")


async def test_while_the_key_set_cannot_be_fetched_requests_fail_fast(tmp_path):
    """Cold start with the issuer down: one fetch per 5 s, not one per request."""
    issuer = DevIssuer(tmp_path)
    keys, clock = Unreachable(), SteppedClock(NOW)
    check = verifier(keys, clock)

    for _ in range(10):
        with pytest.raises(Unavailable):
            await check.verify(issuer.mint(subject="a", now=NOW))
    clock.advance(timedelta(seconds=6))
    with pytest.raises(Unavailable):
        await check.verify(issuer.mint(subject="a", now=NOW))

    assert keys.fetches == 2


async def test_the_dev_issuer_key_survives_restarts(tmp_path):
    first, second = DevIssuer(tmp_path), DevIssuer(tmp_path)

    assert first.kid == second.kid
    assert (tmp_path / "dev-issuer-key.pem").stat().st_mode & 0o777 == 0o600
