"""The tradedesk command: serve the API, migrate and seed the database, mint dev tokens, put
plans on sale in Stripe, and run the paper exchange as a Binance-compatible server."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.exc import DBAPIError

from tradedesk.config import ConfigurationError, Settings, load_settings
from tradedesk.domain.errors import Unavailable

log = logging.getLogger("tradedesk.cli")
app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
T = TypeVar("T")


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigurationError as exc:
        typer.echo(f"tradedesk: {exc}", err=True)
        raise typer.Exit(2) from None


def _refuse_public_secrets(settings: Settings) -> None:
    """Stops the command when a key file it would use is tracked by git (committed, a key
    that seals exchange secrets or signs tokens is everyone's), or when the sealing key of
    the old default data directory (the working directory) would be left behind: a new key
    would open none of the secrets sealed under it."""
    from tradedesk.integrations import secret_box
    from tradedesk.integrations.identity import dev_issuer
    from tradedesk.integrations.local_secrets import tracked_by_git

    sealing = settings.data_dir / secret_box.KEY_FILE
    left_behind = Path.cwd() / secret_box.KEY_FILE
    if not settings.secret_key and not sealing.exists() and left_behind.exists():
        typer.echo(
            f"tradedesk: {left_behind} is the key that sealed this installation's exchange "
            f"secrets, but TRADEDESK_DATA_DIR is now {settings.data_dir}: move the key there "
            "(or set TRADEDESK_DATA_DIR to where it is, outside any checkout)",
            err=True,
        )
        raise typer.Exit(2)
    used = [] if settings.secret_key else [sealing]
    if not settings.auth_issuer:
        used.append(settings.data_dir / dev_issuer.KEY_FILE)
    for path in used:
        if tracked_by_git(path):
            typer.echo(
                f"tradedesk: {path} is tracked by git, so the key in it is not secret: keep "
                "TRADEDESK_DATA_DIR outside any checkout (or set TRADEDESK_SECRET_KEY) and "
                "make a new key",
                err=True,
            )
            raise typer.Exit(2)


def _with_engine(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    """Run one async job against a fresh engine; a database that cannot be reached is one line."""
    from tradedesk.persistence.engine import make_engine

    async def main() -> T:
        engine = make_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except (OSError, DBAPIError) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) else exc
        typer.echo(f"tradedesk: cannot reach the database: {reason}", err=True)
        raise typer.Exit(1) from None


@app.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Bring the database schema to the given revision (default: the newest)."""
    from tradedesk.persistence.migrate import upgrade

    _with_engine(_settings(), lambda engine: upgrade(engine, revision))
    typer.echo(f"database at revision {revision}")


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Also add demo strategy trades.")] = False,
) -> None:
    """Load the documented plans, risk profiles and strategies; safe to run twice."""
    from sqlalchemy.ext.asyncio import AsyncEngine

    from tradedesk.persistence.engine import make_session_factory
    from tradedesk.persistence.migrate import upgrade
    from tradedesk.persistence.seed import SeedReport, seed_public_data

    async def work(engine: AsyncEngine) -> SeedReport:
        await upgrade(engine)
        return await seed_public_data(make_session_factory(engine), demo=demo)

    report = _with_engine(_settings(), work)
    typer.echo(f"seeded: {report.inserted} inserted, {report.already_present} already present")


@app.command("rotate-secrets")
def rotate_secrets() -> None:
    """Re-seal every exchange secret under the newest TRADEDESK_SECRET_KEY key."""
    from tradedesk.bootstrap import build_runtime

    async def work() -> int:
        runtime = build_runtime(_settings())
        try:
            return await runtime.services.exchange_keys.reseal_secrets()
        finally:
            await runtime.aclose()

    resealed = asyncio.run(work())
    typer.echo(f"re-sealed {resealed} secret(s) under the newest key")


stripe_app = typer.Typer(no_args_is_help=True, help="Stripe billing.")
app.add_typer(stripe_app, name="stripe")


def _with_stripe(job: Callable[[Any], Awaitable[T]]) -> T:
    """Run one job on the subscriptions service with Stripe configured; Stripe out of reach
    is one line and exit 1."""
    from tradedesk.bootstrap import build_runtime

    settings = _settings()
    if settings.stripe_api_key is None:
        typer.echo("tradedesk: set TRADEDESK_STRIPE_API_KEY first", err=True)
        raise typer.Exit(2)

    async def work() -> T:
        runtime = build_runtime(settings)
        try:
            return await job(runtime.services.subscriptions)
        finally:
            await runtime.aclose()

    try:
        return asyncio.run(work())
    except Unavailable:
        typer.echo("tradedesk: Stripe could not be reached", err=True)
        raise typer.Exit(1) from None


@stripe_app.command("sync")
def stripe_sync() -> None:
    """Put every public plan on sale in Stripe (a product and a monthly price each, found by
    lookup key); safe to run again."""
    changed = _with_stripe(lambda subscriptions: subscriptions.put_plans_on_sale())
    typer.echo(f"stripe: {', '.join(changed) or 'nothing'} changed")


@stripe_app.command("reconcile")
def stripe_reconcile() -> None:
    """Store every subscription again as Stripe shows it (after lost webhooks, or to rebuild
    the local copy); safe to run any time."""
    kept = _with_stripe(lambda subscriptions: subscriptions.reconcile())
    typer.echo(f"stripe: {kept} subscription(s) stored")


telegram_app = typer.Typer(no_args_is_help=True, help="The platform's Telegram bot.")
app.add_typer(telegram_app, name="telegram")


@telegram_app.command("set-webhook")
def telegram_set_webhook(
    url: Annotated[str, typer.Argument(help="The public URL of POST /webhooks/telegram.")],
) -> None:
    """Register the bot's webhook with the Bot API, with TRADEDESK_TELEGRAM_WEBHOOK_SECRET as
    the secret token Telegram sends back."""
    from tradedesk.integrations.telegram_bot import PtbTelegramBot

    settings = _settings()
    token, secret = settings.telegram_bot_token, settings.telegram_webhook_secret
    if token is None or secret is None:
        typer.echo(
            "tradedesk: set TRADEDESK_TELEGRAM_BOT_TOKEN and TRADEDESK_TELEGRAM_WEBHOOK_SECRET",
            err=True,
        )
        raise typer.Exit(2)

    async def work() -> None:
        bot = PtbTelegramBot(token.get_secret_value(), settings.telegram_api_url)
        try:
            await bot.set_webhook(url, secret=secret.get_secret_value())
        finally:
            await bot.aclose()

    try:
        asyncio.run(work())
    except Unavailable:
        typer.echo("tradedesk: the Bot API refused or could not be reached", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"telegram: webhook set to {url}")


@app.command()
def report(
    user: Annotated[str, typer.Option("--user", help="The user's id.")],
    period: Annotated[str, typer.Option("--period", help="A week (2026-W47) or a month.")],
    output: Annotated[
        Path | None, typer.Option(help="Where to write it (default report-<user>-<period>.html).")
    ] = None,
) -> None:
    """Render one user's weekly or monthly report to an HTML file, to look at it."""
    from tradedesk.bootstrap import build_runtime
    from tradedesk.domain.errors import InvalidValue, NotFound
    from tradedesk.domain.reports.model import Period
    from tradedesk.domain.reports.periodic import render_html

    try:
        chosen = Period.parse(period)
    except InvalidValue as invalid:
        typer.echo(f"tradedesk: --period {invalid.msg}", err=True)
        raise typer.Exit(2) from None
    settings = _settings()

    async def work() -> str:
        runtime = build_runtime(settings)
        try:
            return render_html(await runtime.services.reports.build(user, chosen))
        finally:
            await runtime.aclose()

    try:
        page = asyncio.run(work())
    except NotFound:
        typer.echo(f"tradedesk: no user {user}", err=True)
        raise typer.Exit(2) from None
    target = output or Path(f"report-{user}-{chosen.label}.html")
    target.write_text(page, encoding="utf-8")
    typer.echo(f"report written to {target}")


@app.command("graphql-schema")
def graphql_schema() -> None:
    """Print the GraphQL schema (SDL); `schema.graphql` in the repository is its output, and a
    test fails when the two drift apart."""
    from tradedesk.schema import build_schema

    typer.echo(build_schema().as_str())


@app.command("dev-token")
def dev_token(
    sub: Annotated[str, typer.Option("--sub", help="The user's subject (any stable id).")],
    email: Annotated[str | None, typer.Option(help="E-mail claim.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Give the operator role.")] = False,
) -> None:
    """Print a bearer token the local dev issuer's `serve` accepts (no issuer configured)."""
    from datetime import UTC, datetime

    from tradedesk.integrations.identity.dev_issuer import DevIssuer

    settings = _settings()
    if settings.auth_issuer:
        typer.echo("tradedesk: TRADEDESK_AUTH_ISSUER is set; get tokens from that issuer", err=True)
        raise typer.Exit(2)
    issuer = DevIssuer(settings.data_dir)
    typer.echo(issuer.mint(subject=sub, email=email, operator=admin, now=datetime.now(UTC)))


@app.command()
def simulator(
    account: Annotated[
        list[str] | None,
        typer.Option(
            help="An API key, its secret and USDT=AMOUNT joined by colons, then optional flags "
            "withdraw, noip, hedge; e.g. demo:demo-secret:USDT=10000. The USDT goes to spot and "
            "to USDT-M. Repeatable."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 9000,
    seed: Annotated[int, typer.Option(help="Seed of the price walk.")] = 7,
    control: Annotated[
        bool,
        typer.Option(
            "--control",
            help="Serve the control surface (/_simulator/price, /algo-reject, /algo-hold, "
            "/faults, /usage) too.",
        ),
    ] = False,
    max_open_algo_orders: Annotated[
        int | None,
        typer.Option(min=1, help="Cap on one account's open conditional orders over all symbols."),
    ] = None,
    ip_weight_per_minute: Annotated[
        int,
        typer.Option(min=1, help="Request weight one IP may spend a minute (Binance: 2,400)."),
    ] = 2400,
) -> None:
    """Serve the paper exchange as a Binance-compatible API (spot /api, USDT-M /fapi and its
    user-data stream)."""
    import uvicorn

    from tradedesk.simulator.server import build_simulator, parse_account

    try:
        specs = [parse_account(text) for text in account or []]
    except ValueError as exc:
        typer.echo(f"tradedesk: --account {exc}", err=True)
        raise typer.Exit(2) from None
    _engine, simulator_app = build_simulator(
        specs,
        seed=seed,
        control=control,
        max_open_algo_orders=max_open_algo_orders,
        ip_weight_per_minute=ip_weight_per_minute,
    )
    uvicorn.run(simulator_app, host=host, port=port, log_level="warning", server_header=False)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes sharing the port (one per core); more than one needs "
            "TRADEDESK_REDIS_URL and an exchange other than paper.",
        ),
    ] = 1,
) -> None:
    """Migrate the database, then serve the API in the foreground."""
    import uvicorn

    from tradedesk import logs
    from tradedesk.app import create_app
    from tradedesk.persistence.migrate import upgrade

    settings = _settings(host=host, port=port)
    _refuse_public_secrets(settings)
    _with_engine(settings, upgrade)
    if not settings.auth_issuer and not _is_loopback(settings.host):
        typer.secho(
            f"WARNING: serving on {settings.host} with the local dev issuer: anyone who can run "
            "`tradedesk dev-token` here can act as any user. Set TRADEDESK_AUTH_ISSUER.",
            err=True,
            fg=typer.colors.RED,
            bold=True,
        )
    if workers > 1:
        _refuse_unshared(settings)
    _configure_logging(settings)
    logs.flush_before_dying_of(signal.SIGTERM, signal.SIGINT)
    uvicorn.run(
        # several processes each build their own app with the factory; one is built here
        "tradedesk.app:served_app" if workers > 1 else create_app(settings),
        factory=workers > 1,
        workers=workers,
        # named, not "auto": the C event loop and parser are the fast path, and their absence
        # should stop the start rather than quietly halve the throughput
        loop="uvloop",
        http="httptools",
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=None,  # uvicorn's records go through our JSON logging
        access_log=False,  # the app logs each request itself, with its request id
        # SIGTERM: finish requests. uvicorn waits with asyncio.wait_for, which takes a float;
        # its annotation says int
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,  # type: ignore[arg-type]
        server_header=False,
        proxy_headers=True,  # the client's address from X-Forwarded-For, by trusted peers only
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit (for cron).")] = False,
) -> None:
    """Migrate, then run the background jobs (daily balance snapshots, keeping open trades'
    exits in line with their entries, copying signals to followers, sending alerts) until
    stopped. SIGTERM or Ctrl-C lets the rounds in flight finish (within
    TRADEDESK_SHUTDOWN_GRACE_SECONDS), then exits."""
    from tradedesk.bootstrap import build_runtime
    from tradedesk.jobs.schedule import worker_jobs
    from tradedesk.persistence.migrate import upgrade

    settings = _settings()
    _refuse_public_secrets(settings)
    _with_engine(settings, upgrade)
    _configure_logging(settings)

    async def once_round() -> None:
        runtime = build_runtime(settings)
        try:
            history = runtime.services.balance_history
            typer.echo(f"recorded {await history.take_snapshots()} balance snapshot(s)")
            if settings.exchange != "paper":  # paper accounts live in the serving process
                typer.echo(f"followed {await runtime.services.protection.tick()} open trade(s)")
                copied = await runtime.services.copy_dispatcher.drain()
                typer.echo(f"ran {copied} signal copies")
        finally:
            await runtime.aclose()

    async def until_stopped() -> bool:
        runtime = build_runtime(settings)
        try:
            if settings.worker_metrics_port:
                from prometheus_client import start_http_server

                start_http_server(settings.worker_metrics_port, addr=settings.host)
            jobs = worker_jobs(runtime)
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, jobs.stopping.set)
            await jobs.stopping.wait()
            log.info("stopping: letting the rounds in flight finish")
            return await jobs.stop(settings.shutdown_grace_seconds)
        finally:
            await runtime.aclose()

    if once:
        asyncio.run(once_round())
    elif not asyncio.run(until_stopped()):
        raise typer.Exit(1)  # some round was cut off at the deadline; its leases will lapse


def _refuse_unshared(settings: Settings) -> None:
    """Several serving processes must share what one process would keep in memory: the rate
    limits, live events and persisted queries through Redis, and the accounts through an
    exchange outside the process (the paper exchange lives in one)."""
    if settings.redis_url is None:
        typer.echo(
            "tradedesk: --workers needs TRADEDESK_REDIS_URL: the processes share rate limits, "
            "live events and persisted queries through it",
            err=True,
        )
        raise typer.Exit(2)
    if settings.exchange == "paper":
        typer.echo(
            "tradedesk: --workers needs TRADEDESK_EXCHANGE=binance: each process would hold "
            "a paper exchange of its own (`tradedesk simulator` serves one to share)",
            err=True,
        )
        raise typer.Exit(2)


def _configure_logging(settings: Settings) -> None:
    from tradedesk import logs

    logs.configure(settings.log_level, log_format=settings.log_format)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
