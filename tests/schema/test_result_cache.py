"""Which documents may be answered from the catalog result cache."""

from __future__ import annotations

import pytest
from graphql import parse

from tradedesk.schema import build_schema
from tradedesk.schema.result_cache import (
    ResultCache,
    reads_only_published_results,
    reads_only_the_catalog,
    reads_only_the_key_list,
)

SCHEMA = build_schema()._schema


@pytest.mark.parametrize(
    ("document", "cacheable"),
    [
        ("{ plans { id name monthlyPriceUSD } riskProfiles { name } }", True),
        ("{ strategies { id name createdAt __typename } }", True),
        ('{ strategy(id: "x") { name } }', True),
        ("{ __schema { types { name } } }", True),
        ("{ ticker { last } }", False),
        ("{ plans { name } viewer { id profile { firstName } } }", False),  # private: never
        ("mutation { updateProfile(input: {}) { errors { field } } }", False),
        ("{ plans { name } ticker { last } }", False),
        ("{ strategies { history { trades } } }", False),
        ("{ strategies { ...F } } fragment F on Strategy { name performance { trades } }", False),
    ],
)
def test_only_documents_reading_catalog_fields_qualify(document, cacheable):
    assert reads_only_the_catalog(SCHEMA, parse(document)) is cacheable


@pytest.mark.parametrize(
    ("document", "cacheable"),
    [
        ("{ strategies { id name history(limit: 30) { start trades winRate } } }", True),
        ("{ strategies { ...F } } fragment F on Strategy { name performance { trades } }", True),
        ('{ strategy(id: "x") { history { start } } plans { name } }', True),
        ("{ strategies { name } }", True),
        ("{ strategies { history { trades } } ticker { last } }", False),
        ("{ strategies { history { trades } } viewer { id } }", False),
        ("mutation { updateProfile(input: {}) { errors { field } } }", False),
    ],
)
def test_documents_reading_the_catalog_and_published_results_qualify_for_a_window(
    document, cacheable
):
    assert reads_only_published_results(SCHEMA, parse(document)) is cacheable


@pytest.mark.parametrize(
    ("document", "cacheable"),
    [
        ("{ viewer { exchangeKeys { id name apiKeyStatus } } }", True),
        ("{ viewer { id exchangeKeys { active apiKey ipRestricted createdAt updatedAt } } }", True),
        ("{ viewer { exchangeKeys { balance { asset } } } }", False),  # read from the exchange
        ('{ viewer { exchangeKeys { openOrders(symbol: "BTC/USDT") { id } } } }', False),
        ("{ viewer { profile { firstName } } }", False),
        ("{ viewer { exchangeKeys { id } } plans { id } }", False),
        ('mutation { deleteExchangeKey(id: "x") { deletedId } }', False),
    ],
)
def test_only_documents_reading_the_callers_key_list_qualify(document, cacheable):
    assert reads_only_the_key_list(SCHEMA, parse(document)) is cacheable


def test_entries_of_an_older_catalog_version_are_not_served():
    cache = ResultCache(max_entries=2)
    cache.put((None, "q", b"null", None), 1, b"old")

    assert cache.get((None, "q", b"null", None), 1) == b"old"
    assert cache.get((None, "q", b"null", None), 2) is None


def test_the_least_recently_used_entry_goes_first():
    cache = ResultCache(max_entries=2)
    cache.put((None, "a", b"", None), 1, b"A")
    cache.put((None, "b", b"", None), 1, b"B")
    cache.get((None, "a", b"", None), 1)
    cache.put((None, "c", b"", None), 1, b"C")

    assert cache.get((None, "b", b"", None), 1) is None
    assert cache.get((None, "a", b"", None), 1) == b"A"
