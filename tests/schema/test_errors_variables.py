"""A variable that does not fit its input type is the client's mistake, not an internal error."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


async def test_an_unknown_input_field_is_a_validation_error(client, cognito, caplog):
    token = cognito.access_token("alice")
    response = await client.post(
        "/graphql",
        json={
            "query": "mutation($input: UpdateProfileInput!) { updateProfile(input: $input)"
            " { errors { field } } }",
            "variables": {"input": {"nickname": "x"}},
        },
        headers={"authorization": f"Bearer {token}"},
    )

    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "nickname" in error["message"]
    assert "unexpected error" not in caplog.text
