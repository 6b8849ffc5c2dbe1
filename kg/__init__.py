"""newskg: a knowledge graph, with SPARQL access, of what news articles claim.

The Python API (``kg.open``, ``kg.Project``, ``kg.Result``) lives in ``kg.api``; it is
imported on first use, so ``import kg`` stays cheap for the command line.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Project", "Result", "__version__", "open"]


def __getattr__(name: str) -> Any:
    if name in ("open", "Project", "Result"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
