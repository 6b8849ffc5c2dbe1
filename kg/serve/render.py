"""Pages as HTML: the Jinja2 templates (autoescaped: every label, quote and IRI is shown as
text), with links that are absolute paths on a server or relative file names in a static
site (``kg site``)."""

from __future__ import annotations

import posixpath
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .timeline import svg_layout

STATIC = ("style.css", "explorer.js")
"""The static files (in ``kg/serve/static``), served at ``/static/NAME``; nothing else is."""


FILES = (".css", ".js", ".csv", ".json")
"""Paths that are files as they are (not pages) in a static site."""


def static_file(name: str) -> bytes:
    """A static file's bytes, by one of the fixed names of ``STATIC``."""
    if name not in STATIC:
        raise KeyError(name)
    return resources.files(__package__).joinpath("static", name).read_bytes()


def _environment() -> Environment:
    folder = str(resources.files(__package__).joinpath("templates"))
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["svg_layout"] = svg_layout
    return env


_ENV = _environment()


class Renderer:
    """Renders a template for the page at ``path`` (``""`` for home, ``id/actor/x``...).

    ``static`` (a site): links are relative, every page is the file ``PATH.html`` (home is
    ``index.html``); else links are absolute paths on the server.
    """

    def __init__(self, *, static: bool = False, edits: bool = False) -> None:
        self.static = static
        self.edits = edits

    def file_of(self, path: str) -> str:
        """The static site's file for a page path."""
        page, _, fragment = path.partition("#")
        if page.endswith(FILES):
            name = page.strip("/")
        else:
            name = "index.html" if page in ("", "/") else page.strip("/") + ".html"
        return name + ("#" + fragment if fragment else "")

    def url(self, path: str, here: str) -> str:
        """The link to the page ``path`` from the page ``here``."""
        if not self.static:
            page, sep, fragment = path.partition("#")
            return "/" + quote(page.lstrip("/"), safe="/:.-_~%?=&") + sep + quote(fragment)
        target = self.file_of(path)
        target, sep, fragment = target.partition("#")
        start = posixpath.dirname(self.file_of(here))
        return quote(posixpath.relpath(target, start or ".")) + sep + quote(fragment)

    def page(self, template: str, path: str, **context: Any) -> str:
        def url(target: str) -> str:
            return self.url(target, path)

        return _ENV.get_template(template).render(
            url=url, here=path, static=self.static, edits=self.edits, **context
        )
