"""GraphiQL at /graphql for a browser, served whole by the application: React, GraphiQL and
its explorer plugin are vendored in `assets/` (pinned in `manifest.json`, fetched by
`scripts/vendor-graphiql`), so the page works behind a firewall or offline and names no
other host. Every vendored file is loaded with its sha384 integrity from the manifest."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).parent
ASSETS = HERE / "assets"


def manifest() -> list[dict[str, str]]:
    """The vendored files: file, package, version, path in the package, integrity."""
    assets: list[dict[str, str]] = json.loads((HERE / "manifest.json").read_text())["assets"]
    return assets


def page() -> str:
    """The HTML page, each vendored file's integrity filled in."""
    html = (HERE / "page.html").read_text()
    for asset in manifest():
        html = html.replace("{" + asset["file"] + "}", asset["integrity"])
    return html


def assets_route() -> Mount:
    """The vendored files and the page's own script and style, under /graphql/assets."""
    return Mount("/graphql/assets", app=StaticFiles(directory=ASSETS))
