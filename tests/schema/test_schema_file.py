"""`schema.graphql` in the repository is the schema the code serves: clients generate their
types from it, so it must never drift."""

from __future__ import annotations

from pathlib import Path

from tradedesk.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_is_what_the_code_serves():
    written = SCHEMA_FILE.read_text(encoding="utf-8")

    assert written.strip() == build_schema().as_str().strip(), (
        "schema.graphql is stale: run `tradedesk graphql-schema > schema.graphql`"
    )
