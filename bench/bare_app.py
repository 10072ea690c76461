"""The reference that `bench/public_api.py` measures the API against: a bare Starlette app, in a
process of its own under the same uvicorn, answering one GET with fixed JSON bytes (the API's
own answer, read from the file `TRADEDESK_BENCH_BARE_BODY` names). It shares no code with the
API, so its rate is the framework's ceiling for that answer on this machine, not a copy of
what is measured."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def bare_app() -> Starlette:
    """The uvicorn factory."""
    body = Path(os.environ["TRADEDESK_BENCH_BARE_BODY"]).read_bytes()

    async def answer(_request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/bare", answer, methods=["GET"])])
