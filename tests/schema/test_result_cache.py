"""Which documents may be answered from the catalog result cache."""

from __future__ import annotations

import pytest
from graphql import parse

from tradedesk.schema import build_schema
from tradedesk.schema.result_cache import CatalogResultCache, reads_only_the_catalog

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


def test_entries_of_an_older_catalog_version_are_not_served():
    cache = CatalogResultCache(max_entries=2)
    cache.put(("q", b"null", None), 1, b"old")

    assert cache.get(("q", b"null", None), 1) == b"old"
    assert cache.get(("q", b"null", None), 2) is None


def test_the_least_recently_used_entry_goes_first():
    cache = CatalogResultCache(max_entries=2)
    cache.put(("a", b"", None), 1, b"A")
    cache.put(("b", b"", None), 1, b"B")
    cache.get(("a", b"", None), 1)
    cache.put(("c", b"", None), 1, b"C")

    assert cache.get(("b", b"", None), 1) is None
    assert cache.get(("a", b"", None), 1) == b"A"
