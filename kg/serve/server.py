"""Running the explorer: uvicorn on one host and port, until interrupted."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette

from ..errors import UsageError
from .review import loopback


def check_binding(host: str, allow_edits: bool, token: str | None) -> list[str]:
    """Warnings for binding to ``host``; a UsageError for edits open to a network."""
    if loopback(host):
        return []
    if allow_edits and token is None:
        raise UsageError(
            f"--allow-edits on {host} (not loopback) needs --token (or KG_SERVE_TOKEN): "
            "anyone who reaches the server could rewrite the links file"
        )
    return [
        f"warning: serving on {host}, not loopback: anyone who can reach this machine can read "
        "the graph and run queries"
    ]


def run(app: Starlette, host: str, port: int) -> None:
    """Serve ``app`` until interrupted (Ctrl-C)."""
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=True)
