"""The references that `bench/public_api.py` measures the API against: a bare Starlette app, in
a process of its own under the same uvicorn, sharing no code with the API.

- `GET /bare` answers fixed JSON bytes (the API's own strategy list, read from the file
  `TRADEDESK_BENCH_BARE_BODY` names): the framework's ceiling for that answer on this machine.
- `POST /bare-graphql` reads the request's body, as any handler of a POST must, and answers
  the API's answer to the GraphQL `strategies` query (the file
  `TRADEDESK_BENCH_BARE_GRAPHQL_BODY`): the ceiling for that request, which costs the server
  more to receive than a GET.
- `GET /bare-db` first runs the key list's query through plain SQLAlchemy Core on the API's
  database (`TRADEDESK_BENCH_BARE_DATABASE_URL`, for the one user who holds keys) and then
  answers the same bytes: the ceiling of a read that goes to the database, with the same
  driver and no ORM, authentication, limits, logs or metrics.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# the query the API's key list runs
KEYS = text("SELECT * FROM exchange_keys WHERE user_id = :user_id ORDER BY created_at, id")


def bare_app() -> Starlette:
    """The uvicorn factory."""
    body = Path(os.environ["TRADEDESK_BENCH_BARE_BODY"]).read_bytes()
    graphql_file = os.environ.get("TRADEDESK_BENCH_BARE_GRAPHQL_BODY")
    graphql_body = Path(graphql_file).read_bytes() if graphql_file else b""
    database_url = os.environ.get("TRADEDESK_BENCH_BARE_DATABASE_URL")
    engine = create_async_engine(database_url) if database_url else None
    holder: list[str] = []

    async def answer(_request: Request) -> Response:
        return Response(body, media_type="application/json")

    async def answer_the_post(request: Request) -> Response:
        await request.body()
        return Response(graphql_body, media_type="application/json")

    async def answer_after_the_query(_request: Request) -> Response:
        assert engine is not None, "TRADEDESK_BENCH_BARE_DATABASE_URL is not set"
        async with engine.connect() as connection:
            if not holder:  # the one user who holds keys, found once
                found = await connection.execute(text("SELECT MIN(user_id) FROM exchange_keys"))
                holder.append(found.scalar_one())
            rows = (await connection.execute(KEYS, {"user_id": holder[0]})).all()
        assert rows
        return Response(body, media_type="application/json")

    return Starlette(
        routes=[
            Route("/bare", answer, methods=["GET"]),
            Route("/bare-graphql", answer_the_post, methods=["POST"]),
            Route("/bare-db", answer_after_the_query, methods=["GET"]),
        ]
    )
