"""Whole GraphQL results for documents that read only the public catalog.

Executing even a small document costs graphql-core far more than serving a cached body, and the
catalog (plans, risk profiles, strategies) is the same for every caller until an operator
changes it. A document qualifies only when every field it selects is listed in CATALOG_FIELDS:
fields whose value is a pure function of the catalog snapshot and the document's arguments.
The list is explicit, so a new field (a private one above all) is never cached by default.
Entries are keyed by the catalog snapshot's version: a reload (TTL or `invalidate()`) retires
them all. Results with errors are never stored.
"""

from __future__ import annotations

from collections import OrderedDict

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)

ALL = frozenset({"*"})

CATALOG_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"plans", "riskProfiles", "strategies", "strategy"}),
    "Plan": ALL,
    "RiskProfile": ALL,
    "Strategy": frozenset(
        {"id", "active", "name", "description", "exchangeId", "symbol", "createdAt", "updatedAt"}
    ),
}


def reads_only_the_catalog(schema: GraphQLSchema, document: DocumentNode) -> bool:
    """True when every selected field is a catalog field or introspection."""
    type_info = TypeInfo(schema)
    checker = _CatalogOnly(type_info)
    visit(document, TypeInfoVisitor(type_info, checker))
    return checker.catalog_only


class _CatalogOnly(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self._type_info = type_info
        self.catalog_only = True

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        parent = self._type_info.get_parent_type()
        name = node.name.value
        if name.startswith("__") or (parent is not None and parent.name.startswith("__")):
            return  # introspection describes the schema, which is the same for everyone
        allowed = CATALOG_FIELDS.get(parent.name if parent else "", frozenset())
        if allowed is not ALL and name not in allowed:
            self.catalog_only = False


class CatalogResultCache:
    """A bounded map of (document, variables, operation) to a serialized result."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[str, bytes, str | None], tuple[int, bytes]] = OrderedDict()

    def get(self, key: tuple[str, bytes, str | None], version: int) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: tuple[str, bytes, str | None], version: int, body: bytes) -> None:
        self._entries[key] = (version, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
