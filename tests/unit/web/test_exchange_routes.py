"""Which v1 requests spend the exchange budget: one expression a method must agree with every
route's own contract."""

from __future__ import annotations

from tradedesk.app import V1_ROUTES, _exchange_routes
from tradedesk.rest.contract import Endpoint


def test_a_request_reaches_the_exchange_exactly_when_a_route_that_matches_it_does():
    routes = _exchange_routes()
    endpoints = [route for route in V1_ROUTES if isinstance(route, Endpoint)]
    reaching = [e for e in endpoints if e.contract.reaches_exchange]
    assert reaching and len(reaching) < len(endpoints)

    for endpoint in endpoints:
        path = endpoint.path_format.format(**{name: "a1" for name in endpoint.param_convertors})
        for method in ("GET", "POST", "PUT", "DELETE"):
            expected = any(e.method == method and e.path_regex.match(path) for e in reaching)
            scope = {"method": method, "path": "/v1" + path}
            assert (scope in routes) is expected, (method, path)
            assert {"method": method, "path": path} not in routes  # only under /v1
