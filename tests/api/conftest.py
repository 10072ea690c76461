"""Two signed-in users, for the account routes and for proving one cannot reach the other."""

from __future__ import annotations

import pytest

from tests.accounts import Caller


@pytest.fixture
def alice(client, cognito) -> Caller:
    return Caller(client, cognito.access_token("alice"))


@pytest.fixture
def bob(client, cognito) -> Caller:
    return Caller(client, cognito.access_token("bob"))
