"""Helpers to call the account API as a signed-in user over both transports."""

from __future__ import annotations

from typing import Any

PROFILE_FIELDS = "lastName firstName country language timezone createdAt updatedAt"
SETTINGS_FIELDS = (
    "weeklyReport monthlyReport emailNewOrder emailTakeProfit emailStopLoss "
    "telegramNewOrder telegramTakeProfit telegramStopLoss createdAt updatedAt"
)


class Caller:
    """One user's HTTP session: REST and GraphQL with their Cognito access token."""

    def __init__(self, client, token: str) -> None:
        self.client = client
        self.headers = {"authorization": f"Bearer {token}"}

    async def get(self, path: str):
        return await self.client.get(path, headers=self.headers)

    async def put(self, path: str, body: Any):
        return await self.client.put(path, json=body, headers=self.headers)

    async def post(self, path: str, body: Any):
        return await self.client.post(path, json=body, headers=self.headers)

    async def delete(self, path: str):
        return await self.client.delete(path, headers=self.headers)

    async def graphql(self, query: str, variables: dict | None = None) -> dict:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        return response.json()

    async def update_profile(self, fields: dict) -> dict:
        body = await self.graphql(
            f"mutation($input: UpdateProfileInput!) {{ updateProfile(input: $input) {{"
            f" profile {{ {PROFILE_FIELDS} }} errors {{ field message code }} }} }}",
            {"input": fields},
        )
        return body["data"]["updateProfile"]

    async def update_settings(self, fields: dict) -> dict:
        body = await self.graphql(
            "mutation($input: UpdateNotificationSettingsInput!) {"
            " updateNotificationSettings(input: $input) {"
            f" notificationSettings {{ {SETTINGS_FIELDS} }} errors {{ field message code }} }} }}",
            {"input": fields},
        )
        return body["data"]["updateNotificationSettings"]


async def user_id(caller: Caller) -> str:
    """The caller's user id, as `viewer { id }` shows it."""
    return (await caller.graphql("{ viewer { id } }"))["data"]["viewer"]["id"]


PROFILE = "/v1/priv/account/profile"
