"""Signing in while Cognito's GetUser cannot be reached: the e-mail lookup never blocks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.builders.accounts import PROFILE
from tradedesk.persistence.tables import UserRow

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides():
    return {"auth_api_url": "http://127.0.0.1:9/"}  # nothing listens there


async def test_sign_in_never_waits_on_cognito_getuser(client, cognito, runtime):
    answer = await client.get(PROFILE, headers={"authorization": cognito.access_token("dina")})

    assert answer.status_code == 200
    async with runtime.engine.connect() as connection:
        emails = (await connection.execute(select(UserRow.email))).scalars().all()
    assert emails == [None]  # asked again on a later first sight
