"""A real Cognito user pool, served by moto on loopback, that signs real tokens.

Users sign in with ADMIN_USER_PASSWORD_AUTH, exactly as the app's back office would, and the
service under test verifies the tokens through the pool's JWKS URL over HTTP.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import boto3
import moto
from jose import jwt
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
PASSWORD = "Correct-Horse-9"


class CognitoPool:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self._client = boto3.client(
            "cognito-idp",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        self.pool_id = self._client.create_user_pool(PoolName="tradedesk")["UserPool"]["Id"]
        self.client_id = self._app_client("tradedesk-spa")
        self.other_client_id = self._app_client("another-app")
        self._client.create_group(UserPoolId=self.pool_id, GroupName="admin")
        self.issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"
        self.jwks_url = f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"
        self._users: set[str] = set()

    def _app_client(self, name: str) -> str:
        return self._client.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName=name,
            ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"],
        )["UserPoolClient"]["ClientId"]

    def settings(self) -> dict[str, str]:
        return {
            "auth_issuer": self.issuer,
            "auth_jwks_url": self.jwks_url,
            "auth_client_id": self.client_id,
            "auth_api_url": self.endpoint,
        }

    def tokens(self, username: str, *, admin: bool = False, client_id: str | None = None):
        """Sign `username` in (creating them on first use); returns Cognito's token set."""
        if username not in self._users:
            self._client.admin_create_user(
                UserPoolId=self.pool_id,
                Username=username,
                UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
                MessageAction="SUPPRESS",
            )
            self._client.admin_set_user_password(
                UserPoolId=self.pool_id, Username=username, Password=PASSWORD, Permanent=True
            )
            if admin:
                self._client.admin_add_user_to_group(
                    UserPoolId=self.pool_id, Username=username, GroupName="admin"
                )
            self._users.add(username)
        result = self._client.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=client_id or self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
        return result["AuthenticationResult"]

    def access_token(self, username: str, **kwargs: Any) -> str:
        return self.tokens(username, **kwargs)["AccessToken"]

    def forge(self, claims: dict[str, Any], *, kid: str = "dummy", key: str | None = None) -> str:
        """A token signed with the pool's own private key (moto's), with chosen claims."""
        now = int(time.time())
        base = {
            "iss": self.issuer,
            "sub": "forged-subject",
            "client_id": self.client_id,
            "token_use": "access",
            "iat": now,
            "exp": now + 3600,
        }
        return jwt.encode(
            {**base, **claims}, key or self.private_key(), "RS256", headers={"kid": kid}
        )

    @staticmethod
    def private_key() -> dict[str, Any]:
        path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
        return json.loads(gzip.decompress(path.read_bytes()))

    def stop(self) -> None:
        self._server.stop()
