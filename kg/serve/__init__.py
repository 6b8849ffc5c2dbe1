"""The explorer (``kg serve``): the built graph as a SPARQL 1.1 endpoint, web pages for people
who do not write SPARQL, linked data by path under the base IRI, and the link review; and the
same pages as a static site (``kg.site``). Needs the ``serve`` extra (Starlette, uvicorn,
Jinja2)."""

from __future__ import annotations

from .app import create_app, load_engine
from .review import loopback

__all__ = ["create_app", "load_engine", "loopback"]
