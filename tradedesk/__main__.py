"""`python -m tradedesk` is the `tradedesk` command."""

from tradedesk.cli import app

app()
