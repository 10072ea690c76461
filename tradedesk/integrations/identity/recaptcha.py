"""Google reCAPTCHA v3 verification of the `recaptcha-token-v3` header on writes."""

from __future__ import annotations

import logging

import httpx

from tradedesk.domain.errors import Forbidden, Unavailable

log = logging.getLogger("tradedesk.recaptcha")


class RecaptchaVerifier:
    """Asks siteverify; requires success, a high enough score and, if set, action and host."""

    def __init__(
        self,
        *,
        secret: str,
        verify_url: str,
        min_score: float,
        action: str | None,
        hostname: str | None,
        http: httpx.AsyncClient,
    ) -> None:
        self._secret = secret
        self._verify_url = verify_url
        self._min_score = min_score
        self._action = action
        self._hostname = hostname
        self._http = http

    async def verify(self, token: str | None, *, remote_ip: str | None) -> None:
        if not token:
            raise _refused("no token")
        form = {"secret": self._secret, "response": token}
        if remote_ip:
            form["remoteip"] = remote_ip
        try:
            response = await self._http.post(self._verify_url, data=form)
            response.raise_for_status()
            verdict = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.error("reCAPTCHA verifier unreachable: %s", exc)
            raise Unavailable("reCAPTCHA verifier unreachable") from None
        if not isinstance(verdict, dict) or verdict.get("success") is not True:
            raise _refused(f"not successful: {verdict}")
        score = verdict.get("score")
        if not isinstance(score, int | float) or score < self._min_score:
            raise _refused(f"score {score!r} below {self._min_score}")
        if self._action and verdict.get("action") != self._action:
            raise _refused(f"action {verdict.get('action')!r}")
        if self._hostname and verdict.get("hostname") != self._hostname:
            raise _refused(f"hostname {verdict.get('hostname')!r}")


class NoHumanCheck:
    """reCAPTCHA is off (no secret configured): every write passes."""

    async def verify(self, token: str | None, *, remote_ip: str | None) -> None:
        return None


def _refused(reason: str) -> Forbidden:
    log.info("reCAPTCHA refused: %s", reason)
    return Forbidden("reCAPTCHA verification failed")
