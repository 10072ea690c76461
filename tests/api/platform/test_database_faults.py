"""PostgreSQL failing under the app: cut off mid-request, unreachable or silent, the app answers
503 and writes nothing; it recovers by itself when the database returns or its connections are
killed; a transaction the database refuses as a serialization failure is run again.

The app reaches the local PostgreSQL through a TCP proxy the test can cut or stall."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.standins.tcp_proxy import CuttableProxy
from tests.support.databases import ADMIN_URL, migrate, postgres_database

pytestmark = [pytest.mark.asyncio, pytest.mark.postgres]
PROFILE = "/v1/priv/account/profile"
UNAVAILABLE = {"message": "service unavailable"}
STATEMENT_TIMEOUT = 1.0


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"database_statement_timeout_seconds": STATEMENT_TIMEOUT}


@pytest.fixture(scope="module")
async def proxy():
    upstream = urlsplit(ADMIN_URL)
    proxy = CuttableProxy(upstream.hostname or "127.0.0.1", upstream.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture(scope="module")
async def direct_url():
    """A throw-away PostgreSQL database, as the test (not the app) reaches it."""
    async with postgres_database() as url:
        await migrate(url)
        yield url


@pytest.fixture(scope="module")
def database_url(direct_url, proxy):
    """The app's URL for that database: through the proxy."""
    parts = urlsplit(direct_url)
    return parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}").geturl()


@pytest.fixture(autouse=True)
def resumed(proxy):
    yield
    proxy.resume()


async def sql(direct_url: str, statement: str) -> list:
    """Rows of one query, or nothing for a script of several statements, run directly."""
    connection = await asyncpg.connect(direct_url.replace("+asyncpg", ""))
    try:
        if ";" in statement.strip().rstrip(";"):
            await connection.execute(statement)
            return []
        return await connection.fetch(statement)
    finally:
        await connection.close()


async def test_a_database_cut_mid_request_answers_503_and_writes_nothing(alice, proxy):
    before = (await alice.get(PROFILE)).json()
    proxy.cut_when_sent(b"UPDATE users")  # the write is on its way when the database goes

    cut = await alice.put(PROFILE, {"firstName": "Halfway"})
    proxy.resume()
    after = await alice.get(PROFILE)
    again = await alice.put(PROFILE, {"firstName": "Later"})

    assert (cut.status_code, cut.json()) == (503, UNAVAILABLE)
    assert "x-request-id" in cut.headers
    assert after.status_code == 200 and after.json() == before  # nothing half-written
    assert again.status_code == 200 and again.json()["firstName"] == "Later"  # by itself


async def test_a_graphql_write_cut_off_is_unavailable(alice, proxy):
    await alice.get(PROFILE)
    proxy.cut_when_sent(b"UPDATE users")

    body = await alice.graphql(
        'mutation { updateProfile(input: {firstName: "Cut"}) { __typename } }'
    )
    proxy.resume()

    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAVAILABLE"]
    assert (await alice.get(PROFILE)).json()["firstName"] != "Cut"


async def test_an_unreachable_database_is_503_and_not_ready_until_it_returns(alice, client, proxy):
    await alice.get(PROFILE)
    proxy.cut()

    down = await alice.get(PROFILE)
    ready_down = await client.get("/readyz")
    alive = await client.get("/healthz")
    proxy.resume()
    up = await alice.get(PROFILE)
    ready_up = await client.get("/readyz")

    assert (down.status_code, down.json()) == (503, UNAVAILABLE)
    assert ready_down.status_code == 503 and alive.status_code == 200
    assert up.status_code == 200 and ready_up.status_code == 200


async def test_a_silent_database_is_503_within_the_statement_timeout(alice, proxy):
    """A partition that drops packets without a reset: the connections stay open and nothing
    answers. The request gives up after the statement timeout instead of waiting forever."""
    await alice.get(PROFILE)  # the pool holds a connection now
    proxy.stall()

    started = time.monotonic()
    silent = await alice.put(PROFILE, {"firstName": "Unheard"})
    waited = time.monotonic() - started
    proxy.resume()
    after = await alice.get(PROFILE)

    assert (silent.status_code, silent.json()) == (503, UNAVAILABLE)
    assert waited < 4 * STATEMENT_TIMEOUT
    assert after.status_code == 200 and after.json()["firstName"] != "Unheard"


async def test_the_app_recovers_by_itself_when_its_connections_are_killed(alice, direct_url):
    await alice.get(PROFILE)  # the pool holds connections now
    name = urlsplit(direct_url).path.lstrip("/")
    killed = await sql(
        direct_url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
    )

    answers = [await alice.get(PROFILE) for _ in range(3)]

    assert killed  # the app's connections were there, and are gone
    assert [a.status_code for a in answers] == [200, 200, 200]


@pytest.mark.parametrize(("refusals", "status"), [(1, 200), (2, 200), (3, 503)])
async def test_a_serialization_failure_is_run_again(alice, direct_url, refusals, status):
    """A trigger makes PostgreSQL refuse the first `refusals` profile writes with SQLSTATE
    40001, as it refuses a transaction that conflicts with a concurrent one."""
    await alice.get(PROFILE)
    await sql(
        direct_url,
        f"""
        CREATE SEQUENCE conflicts;
        CREATE FUNCTION conflict() RETURNS trigger AS $$ BEGIN
          IF NEW.first_name IS DISTINCT FROM OLD.first_name
             AND nextval('conflicts') <= {refusals} THEN
            RAISE EXCEPTION 'could not serialize access due to concurrent update'
              USING ERRCODE = '40001';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER conflict BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION conflict();
        """,
    )
    try:
        answer = await alice.put(PROFILE, {"firstName": "Retried"})
        [tries] = await sql(direct_url, "SELECT last_value FROM conflicts")
    finally:
        await sql(
            direct_url,
            "DROP TRIGGER conflict ON users; DROP FUNCTION conflict(); DROP SEQUENCE conflicts;",
        )
    profile = (await alice.get(PROFILE)).json()

    assert answer.status_code == status, answer.text
    assert tries["last_value"] == min(refusals + 1, 3)  # three attempts at most
    assert (profile["firstName"] == "Retried") == (status == 200)
