"""Configuration: environment variables in, one clear line out when they are wrong."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from tradedesk.config import ConfigurationError, load_settings
from tradedesk.domain.market.model import TradeType


def test_defaults_are_the_embedded_sqlite_file_and_paper_markets(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)

    settings = load_settings()

    assert settings.database_url == "sqlite+aiosqlite:///./tradedesk.db"
    assert {"BTC/USDT", "ETH/USDT", "BNB/USDT"} <= set(settings.paper_prices)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_plain_database_urls_get_the_async_driver(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)

    assert load_settings().database_url == expected


def test_paper_prices_come_as_json(monkeypatch):
    monkeypatch.setenv("TRADEDESK_PAPER_PRICES", '{"SOL/USDT": 30}')

    assert load_settings().paper_prices == {"SOL/USDT": 30.0}


def test_an_ips_weight_is_binances_unless_set_per_trade_type(monkeypatch):
    assert load_settings().exchange_ip_weight_per_minute == {}

    monkeypatch.setenv("TRADEDESK_EXCHANGE_IP_WEIGHT_PER_MINUTE", '{"FUTURES": 3000}')

    assert load_settings().exchange_ip_weight_per_minute == {TradeType.FUTURES: 3000}


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("TRADEDESK_PORT", "not-a-port", "TRADEDESK_PORT"),
        ("TRADEDESK_PAPER_PRICES", '{"BTC/USDT": -1}', "TRADEDESK_PAPER_PRICES"),
        ("TRADEDESK_PAPER_PRICES", '{"BTCUSDT": 1}', "TRADEDESK_PAPER_PRICES"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("TRADEDESK_EXCHANGE_IP_SHARE", "0", "TRADEDESK_EXCHANGE_IP_SHARE"),
        ("TRADEDESK_EXCHANGE_IP_WEIGHT_PER_MINUTE", '{"FUTURES": 0}', "IP_WEIGHT_PER_MINUTE"),
        ("TRADEDESK_EXCHANGE_IP_WEIGHT_PER_MINUTE", '{"MARGIN": 9}', "IP_WEIGHT_PER_MINUTE"),
        ("TRADEDESK_FORWARDED_ALLOW_IPS", "127.0.0.1,balancer", "TRADEDESK_FORWARDED_ALLOW_IPS"),
        ("TRADEDESK_FORWARDED_ALLOW_IPS", "10.0.0.1/8", "TRADEDESK_FORWARDED_ALLOW_IPS"),
        ("TRADEDESK_FORWARDED_ALLOW_IPS", "*,10.0.0.1", "TRADEDESK_FORWARDED_ALLOW_IPS"),
        ("TRADEDESK_TRADINGVIEW_ALLOW_IPS", "52.89.214.238,tv", "TRADINGVIEW_ALLOW_IPS"),
        ("TRADEDESK_TRADINGVIEW_ALLOW_IPS", "*", "TRADEDESK_TRADINGVIEW_ALLOW_IPS"),
        ("TRADEDESK_COPY_LEASE_SECONDS", "0", "TRADEDESK_COPY_LEASE_SECONDS"),
        ("TRADEDESK_LOG_FORMAT", "xml", "TRADEDESK_LOG_FORMAT"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch, variable, value, named):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError) as raised:
        load_settings()

    assert named in str(raised.value)
    assert "\n" not in str(raised.value)


def test_env_example_documents_every_setting():
    from pathlib import Path

    from tradedesk.config import Settings

    example = (Path(__file__).parents[1] / ".env.example").read_text()
    for field in Settings.model_fields:
        name = "DATABASE_URL" if field == "database_url" else f"TRADEDESK_{field.upper()}"
        assert f"# {name}=" in example, name


def test_the_jwks_url_defaults_to_the_issuers_well_known_path(monkeypatch):
    monkeypatch.setenv("TRADEDESK_AUTH_ISSUER", "https://cognito-idp.us-east-1.amazonaws.com/p1/")
    monkeypatch.setenv("TRADEDESK_AUTH_CLIENT_ID", "client")

    derived = load_settings().jwks_url
    monkeypatch.setenv("TRADEDESK_AUTH_JWKS_URL", "http://127.0.0.1:9999/keys.json")

    assert derived == "https://cognito-idp.us-east-1.amazonaws.com/p1/.well-known/jwks.json"
    assert load_settings().jwks_url == "http://127.0.0.1:9999/keys.json"


def test_an_issuer_without_a_client_id_is_refused(monkeypatch):
    monkeypatch.setenv("TRADEDESK_AUTH_ISSUER", "https://cognito-idp.us-east-1.amazonaws.com/p1")
    monkeypatch.delenv("TRADEDESK_AUTH_CLIENT_ID", raising=False)

    with pytest.raises(ConfigurationError, match="TRADEDESK_AUTH_CLIENT_ID"):
        load_settings()


def test_whitelist_ips_are_comma_separated_and_checked(monkeypatch):
    monkeypatch.setenv("TRADEDESK_WHITELIST_IPS", "15.137.11.254, 221.110.159.85,")
    assert load_settings().whitelist_ips == ["15.137.11.254", "221.110.159.85"]

    monkeypatch.setenv("TRADEDESK_WHITELIST_IPS", "15.137.11.254,not-an-ip")
    with pytest.raises(ConfigurationError, match="TRADEDESK_WHITELIST_IPS"):
        load_settings()


@pytest.mark.parametrize("value", ["access", "id"])
def test_token_use_is_access_or_id(monkeypatch, value):
    monkeypatch.setenv("TRADEDESK_AUTH_TOKEN_USE", value)
    assert load_settings().auth_token_use == value

    monkeypatch.setenv("TRADEDESK_AUTH_TOKEN_USE", "refresh")
    with pytest.raises(ConfigurationError, match="TRADEDESK_AUTH_TOKEN_USE"):
        load_settings()


def test_proxies_are_checked_and_are_the_default_whitelist():
    settings = load_settings(
        exchange_proxies="http://15.137.11.254:3128, https://proxy.example:443"
    )

    assert settings.exchange_proxies == ["http://15.137.11.254:3128", "https://proxy.example:443"]
    assert settings.egress_ips == ["15.137.11.254"]  # a host name is no IP to show
    assert load_settings(
        exchange_proxies="http://15.137.11.254:3128", whitelist_ips="1.2.3.4"
    ).egress_ips == ["1.2.3.4"]
    with pytest.raises(ConfigurationError, match="TRADEDESK_EXCHANGE_PROXIES"):
        load_settings(exchange_proxies="socks5://10.0.0.1:1080")


@pytest.mark.parametrize(
    ("protection", "fills", "interval"),
    [(None, None, 5.0), ("30", None, 10.0), ("0", "4", 4.0), ("2", "4", 2.0)],
)
def test_the_keeper_runs_often_enough_for_both_its_exits_and_fills(
    monkeypatch, protection, fills, interval
):
    for name, value in (
        ("TRADEDESK_PROTECTION_POLL_SECONDS", protection),
        ("TRADEDESK_FILL_POLL_SECONDS", fills),
    ):
        if value is not None:
            monkeypatch.setenv(name, value)

    assert load_settings().keeper_interval == interval


def test_local_state_defaults_to_the_users_data_directory_not_the_working_one(monkeypatch):
    monkeypatch.delenv("TRADEDESK_DATA_DIR", raising=False)

    settings = load_settings()

    assert settings.data_dir == Path(platformdirs.user_data_dir("tradedesk"))
    assert settings.data_dir.is_absolute()


@pytest.mark.parametrize("value", ["0/minute", "often"])
def test_a_request_budget_admits_at_least_one_request(monkeypatch, value):
    monkeypatch.setenv("TRADEDESK_RATE_LIMIT_READ", value)
    with pytest.raises(ConfigurationError, match="TRADEDESK_RATE_LIMIT_READ"):
        load_settings()
