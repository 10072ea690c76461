"""Configuration: environment variables in, one clear line out when they are wrong."""

from __future__ import annotations

import pytest

from tradedesk.config import ConfigurationError, load_settings


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


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("TRADEDESK_PORT", "not-a-port", "TRADEDESK_PORT"),
        ("TRADEDESK_PAPER_PRICES", '{"BTC/USDT": -1}', "TRADEDESK_PAPER_PRICES"),
        ("TRADEDESK_PAPER_PRICES", '{"BTCUSDT": 1}', "TRADEDESK_PAPER_PRICES"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
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
