"""Cognito's `GetUser`: the e-mail address of an access token's user, asked with that token
(the user's own permission), so no AWS credentials are needed.

`TRADEDESK_AUTH_API_URL` is the Cognito API endpoint (default: the issuer's host,
`https://cognito-idp.<region>.amazonaws.com`). A failure is logged and answered with None:
signing in never waits on it, and the address is asked again on a later first sight.
"""

from __future__ import annotations

import logging

import httpx

log = logging.getLogger("tradedesk.identity")


class CognitoUserDirectory:
    def __init__(self, endpoint: str, http: httpx.AsyncClient) -> None:
        self._endpoint = endpoint
        self._http = http

    async def email(self, access_token: str) -> str | None:
        try:
            response = await self._http.post(
                self._endpoint,
                json={"AccessToken": access_token},
                headers={
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": "AWSCognitoIdentityProviderService.GetUser",
                },
            )
            response.raise_for_status()
            attributes = response.json().get("UserAttributes") or []
        except (httpx.HTTPError, ValueError) as error:
            log.warning("cognito GetUser failed: %s", type(error).__name__)
            return None
        return next((a.get("Value") for a in attributes if a.get("Name") == "email"), None)
