"""What one GraphQL document may ask of the service: bounded tokens, depth, aliases and page
sizes, and (in production) no introspection. Checked once per document, before anything runs;
the HTTP view and the websocket apply the same limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import max_aliases, query_depth_limiter

PAGE_ARGUMENTS = frozenset({"first", "limit"})
MAX_PAGE = 1000  # the largest page any list field gives at once
MAX_COST = 10_000  # rows one document may ask for: ten full pages


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 5000
    introspection: bool = True

    def rules(self) -> list[type[ValidationRule]]:
        """Validation rules added to graphql-core's standard ones (strawberry's depth and alias
        limiters: graphql-core has none)."""
        rules = [
            query_depth_limiter.create_validator(self.max_depth, should_ignore=None),
            max_aliases.create_validator(self.max_aliases),
        ]
        if not self.introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        return rules


class CostExceeded(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_cost(
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any] | None,
) -> None:
    """The rows a document asks for (each page's `first` or `limit` times the pages around it)
    at most MAX_COST. Run with the request's variables, since a page size may be one."""
    cost = _cost(operation.selection_set, fragments, variables or {}, multiplier=1, seen=())
    if cost > MAX_COST:
        raise CostExceeded(f"the query asks for up to {cost} rows; at most {MAX_COST} at once")


def _cost(
    selections: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    *,
    multiplier: int,
    seen: tuple[str, ...],
) -> int:
    total = 0
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode):
            page = _page_size(selection, variables)
            inner = multiplier * page
            total += inner if page > 1 else 0
            total += _cost(
                selection.selection_set, fragments, variables, multiplier=inner, seen=seen
            )
        elif isinstance(selection, InlineFragmentNode):
            total += _cost(
                selection.selection_set, fragments, variables, multiplier=multiplier, seen=seen
            )
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # a cycle is a validation error
                total += _cost(
                    fragment.selection_set,
                    fragments,
                    variables,
                    multiplier=multiplier,
                    seen=(*seen, name),
                )
    return total


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    for argument in field.arguments or ():
        if argument.name.value not in PAGE_ARGUMENTS:
            continue
        value = argument.value
        size: object = None
        if isinstance(value, IntValueNode):
            size = int(value.value)
        elif isinstance(value, VariableNode):
            size = variables.get(value.name.value)
        if isinstance(size, int) and size > 1:
            return min(size, MAX_PAGE)  # past 1000 the field itself refuses (BAD_USER_INPUT)
    return 1


def fragments_of(definitions: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
