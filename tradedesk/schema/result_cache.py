"""Whole GraphQL results for documents that read only the public catalog, the strategies'
published results, or only the caller's key list.

Executing even a small document costs graphql-core far more than serving a cached body. The
catalog (plans, risk profiles, strategies) is the same for every caller until an operator
changes it; a caller's key list stays the same until one of their keys changes. A document
qualifies only when every field it selects is listed in CATALOG_FIELDS (or KEY_LIST_FIELDS):
fields whose value is a pure function of the catalog snapshot (or of the caller's kept key
list) and the document's arguments. The lists are explicit, so a new field (one that reads
the exchange above all) is never cached by default. Entries carry the version they were
computed from (the catalog snapshot's version; with published results, also the freshness
window they were computed in; the kept key list itself) and are served only while it is
current. Results with errors are never stored.
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

# The catalog, and the results every strategy publishes (the same for every reader); listed
# field by field, so that a field added to a bucket later is not cached by default.
_PERFORMANCE = frozenset({"netProfitPercent", "winRate", "maxDrawDown", "trades", "long", "short"})
RESULTS_FIELDS: dict[str, frozenset[str]] = {
    **CATALOG_FIELDS,
    "Strategy": CATALOG_FIELDS["Strategy"] | {"history", "performance"},
    "StrategyHistoryBucket": _PERFORMANCE | {"start", "endAt"},
    "StrategyPerformance": _PERFORMANCE,
}

# The caller's own user id and the attributes of their keys as kept (never a balance, an
# order or anything else read from the exchange).
KEY_LIST_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"viewer"}),
    "Viewer": frozenset({"id", "exchangeKeys"}),
    "ExchangeKey": frozenset(
        {
            "id",
            "exchangeId",
            "tradeType",
            "strategyType",
            "active",
            "name",
            "apiKeyStatus",
            "apiKey",
            "ipRestricted",
            "createdAt",
            "updatedAt",
        }
    ),
}


def reads_only_the_catalog(schema: GraphQLSchema, document: DocumentNode) -> bool:
    """True when every selected field is a catalog field or introspection."""
    return _reads_only(schema, document, CATALOG_FIELDS)


def reads_only_published_results(schema: GraphQLSchema, document: DocumentNode) -> bool:
    """True when every selected field is a catalog field, a strategy's published results or
    introspection."""
    return _reads_only(schema, document, RESULTS_FIELDS)


def reads_only_the_key_list(schema: GraphQLSchema, document: DocumentNode) -> bool:
    """True when every selected field is the caller's id, a key-list field or introspection."""
    return _reads_only(schema, document, KEY_LIST_FIELDS)


def _reads_only(
    schema: GraphQLSchema, document: DocumentNode, fields: dict[str, frozenset[str]]
) -> bool:
    type_info = TypeInfo(schema)
    checker = _FieldsOnly(type_info, fields)
    visit(document, TypeInfoVisitor(type_info, checker))
    return checker.only_those


class _FieldsOnly(Visitor):
    def __init__(self, type_info: TypeInfo, fields: dict[str, frozenset[str]]) -> None:
        super().__init__()
        self._type_info = type_info
        self._fields = fields
        self.only_those = True

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        parent = self._type_info.get_parent_type()
        name = node.name.value
        if name.startswith("__") or (parent is not None and parent.name.startswith("__")):
            return  # introspection describes the schema, which is the same for everyone
        allowed = self._fields.get(parent.name if parent else "", frozenset())
        if allowed is not ALL and name not in allowed:
            self.only_those = False


# (the caller's user id, None for the catalog; the document; its variables as sorted JSON; the
# operation's name)
ResultKey = tuple[str | None, str, bytes, str | None]


class ResultCache:
    """A bounded map of (caller, document, variables, operation) to a serialized result and
    the version it was computed from."""

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[ResultKey, tuple[object, bytes]] = OrderedDict()

    def get(self, key: ResultKey, version: object) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or (entry[0] is not version and entry[0] != version):
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: ResultKey, version: object, body: bytes) -> None:
        self._entries[key] = (version, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
