"""Signed-in users: two to prove one cannot reach the other, and an operator."""

from __future__ import annotations

import pytest

from tests.accounts import Caller


@pytest.fixture
def alice(client, cognito) -> Caller:
    return Caller(client, cognito.access_token("alice"))


@pytest.fixture
def bob(client, cognito) -> Caller:
    return Caller(client, cognito.access_token("bob"))


@pytest.fixture
def admin(client, cognito) -> Caller:
    """An operator: the Cognito group `admin`."""
    return Caller(client, cognito.access_token("olga", admin=True))
