"""Alembic environment: runs on a connection handed in by `tradedesk.persistence.migrate`, or,
from the `alembic` command line, on an async engine built from DATABASE_URL."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from tradedesk.persistence import tables  # noqa: F401  (registers the tables' metadata)

config = context.config
target_metadata = SQLModel.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_command_line() -> None:
    from tradedesk.config import load_settings
    from tradedesk.persistence.engine import make_engine

    engine = make_engine(load_settings().database_url)
    async with engine.connect() as connection:
        await connection.run_sync(_configure_and_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")

connection = config.attributes.get("connection")
if connection is None:
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)
    asyncio.run(_run_from_command_line())
else:
    _configure_and_run(connection)
