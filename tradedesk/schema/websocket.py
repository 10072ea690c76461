"""GraphQL over websockets (graphql-transport-ws), for live data.

The caller authenticates once, in the `connection_init` payload (`{"Authorization": "Bearer
..."}`), with the same verification as HTTP; a bad or missing token closes the socket with
4403 before any operation runs. Mutations are refused here: they are writes, and writes carry a
reCAPTCHA token in an HTTP header, which a socket cannot. Errors follow the same taxonomy as on
HTTP.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError, OperationDefinitionNode, OperationType, ValidationRule
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import AddValidationRules, MaskErrors, MaxTokensLimiter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from tradedesk.domain.errors import DomainError
from tradedesk.domain.services import Services
from tradedesk.resolvers.context import Context
from tradedesk.schema.errors import client_error
from tradedesk.schema.limits import QueryLimits


class NoMutations(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        if node.operation is OperationType.MUTATION:
            self.report_error(
                GraphQLError("send mutations over HTTP, with their reCAPTCHA token", node)
            )


class TaxonomyErrors(MaskErrors):
    """Every error leaves as the HTTP view renders it: a code, and no internals."""

    def __init__(self) -> None:
        super().__init__()

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        request_id = "websocket"
        return [client_error(error, request_id=request_id) for error in errors]


class GraphQLWebSocket(GraphQL[Context, None]):
    def __init__(self, schema: strawberry.Schema, services: Services) -> None:
        super().__init__(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
        self._services = services

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(services=self._services, request=request, authorization=None)

    async def on_ws_connect(self, context: Context) -> None:
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        context.authorization = authorization if isinstance(authorization, str) else None
        try:
            await context.principal()
        except DomainError:
            raise ConnectionRejectionError({"message": "unauthorized"}) from None

    async def render_graphql_ide(self, request: Request) -> Response:  # pragma: no cover
        raise AssertionError("HTTP is served by GraphQLView")


def websocket_extensions(limits: QueryLimits) -> list[Any]:
    """The HTTP view's limits, no mutations, and errors rendered as on HTTP."""
    return [
        lambda: MaxTokensLimiter(limits.max_tokens),
        lambda: AddValidationRules([NoMutations, *limits.rules()]),
        TaxonomyErrors,
    ]
