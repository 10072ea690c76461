"""Routing by one lookup: Starlette's router tries each route's expression in turn, through
each mount, so a request to the twentieth route pays twenty matches (measured: a third of
serving a cached list). `RouteIndex` goes first in the app's routes and answers, by a dict
lookup on (path, method), every request that Starlette's own scan would give to a route of
fixed path; anything else (a parameter in the path, a wrong method, an unknown path) it
leaves to the scan, which then runs as before.

The index is built by asking Starlette's own `matches` of every route in order, as its router
would, so a route is only indexed for the requests it would have won anyway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Route, Router
from starlette.types import Receive, Scope, Send


@dataclass(frozen=True)
class _Indexed:
    route: Route
    mounted_at: str  # the mounts' matched prefixes, for the child scope's root_path


class RouteIndex(BaseRoute):
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._index: dict[tuple[str, str], _Indexed] = {}
        for route, mounted_at in _fixed_path_routes(routes, ""):
            path = mounted_at + route.path
            for method in route.methods or ():
                if _first_full_match(routes, path, method) is route:
                    self._index.setdefault((path, method), _Indexed(route, mounted_at))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        found = self._index.get((get_route_path(scope), scope["method"]))
        if found is None:
            return Match.NONE, {}
        child: dict[str, Any] = {
            "endpoint": found.route.endpoint,
            "path_params": dict(scope.get("path_params", {})),
            "route": found.route,
        }
        if found.mounted_at:  # as the mounts on the way would have set them
            root_path = scope.get("root_path", "")
            child["app_root_path"] = scope.get("app_root_path", root_path)
            child["root_path"] = root_path + found.mounted_at
        return Match.FULL, child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """Names are found in the routes themselves, which follow."""
        raise NoMatchFound(name, path_params)


def _fixed_path_routes(routes: Sequence[BaseRoute], prefix: str) -> list[tuple[Route, str]]:
    found: list[tuple[Route, str]] = []
    for route in routes:
        if _plain_mount(route):
            found += _fixed_path_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route) and not route.param_convertors:
            found.append((route, prefix))
    return found


def _plain_mount(route: BaseRoute) -> TypeGuard[Mount]:
    """A mount of routes that does nothing but route: one with middleware, a body limit, an
    app of its own or a parameter in its path is left to Starlette (handing its routes their
    requests directly would skip what it does)."""
    return isinstance(route, Mount) and type(route.app) is Router and "{" not in route.path


def _first_full_match(routes: Sequence[BaseRoute], path: str, method: str) -> BaseRoute | None:
    """The route Starlette's router would hand (path, method) to, through any mounts."""
    scope: dict[str, Any] = {"type": "http", "path": path, "method": method, "root_path": ""}
    while True:
        for route in routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                break
        else:
            return None
        if _plain_mount(route):
            scope = {**scope, **child}
            routes = route.routes
            continue
        return route
