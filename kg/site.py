"""``kg site -o DIR``: the explorer's pages as static HTML files with relative links, for any
static host. The same views and templates as ``kg serve`` (``kg.serve``), without what needs a
server: forms run nothing (each stored query's page shows its results for the query's example
parameters, with CSV and JSON files beside it), and there is no link review.

The folder is written whole: the pages go to a new folder beside it, which then replaces it
(an existing folder is replaced only if it holds a site kg wrote, ``.kg-site``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef

from . import queries as q
from .api import Project
from .errors import FileError, Location, UsageError
from .fsutil import reason
from .namespaces import BASE
from .serve import protocol
from .serve.app import EXAMPLES, load_engine, node_page, ontology_terms, result_table
from .serve.render import STATIC, Renderer, static_file
from .serve.views import Views

MARKER = ".kg-site"


def write_site(project: Project, out: Path) -> int:
    """Write the site of ``project``'s built graph to ``out``; the number of pages."""
    if out.exists() and not (out / MARKER).is_file() and (not out.is_dir() or any(out.iterdir())):
        raise FileError(
            f"exists and is not a site kg wrote (no {MARKER}); give a new or empty folder",
            Location(out),
        )
    stored = project.stored_queries()
    views = Views(load_engine(project), stored)
    render = Renderer(static=True)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as e:
        raise FileError(f"cannot write: {reason(e)}", Location(out)) from None
    written: set[str] = set()
    try:

        def page(path: str, template: str, **context: object) -> None:
            written.add(path)
            target = work / render.file_of(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render.page(template, path, **context), encoding="utf-8")

        page("", "home.html", **views.home())
        listings: list[tuple[str, str, Callable[[int], dict[str, Any]], dict[str, Any]]] = [
            (kind + "s", "index.html", partial(views.index, kind),
             {"title": kind.title() + "s", "kind": kind})
            for kind in ("article", "actor", "place", "event")
        ]  # fmt: skip
        listings.append(("disagreements", "disagreements.html", views.disagreements, {}))
        listings.append(
            ("timeline", "timeline.html", partial(views.timeline, None), {"years": None})
        )
        for base, template, make, extra in listings:
            number, more = 1, True
            while more:
                listing = make(number)
                here = base if number == 1 else f"{base}/{number}"
                page(here, template, base=base, **extra, **listing)
                number, more = number + 1, listing["more"]
        page("ontology", "ontology.html", terms=ontology_terms(views))
        page("query", "sparql.html", text="", table=None, graph_text=None, boolean=None,
             examples=EXAMPLES, prefixes=views.prefixes(), encoded="")  # fmt: skip
        page("queries", "queries.html", queries=list(stored.values()))
        (work / "queries").mkdir(exist_ok=True)
        for name, sq in stored.items():
            try:
                bindings = q.bind(sq, sq.examples, views.engine.lookup)
            except UsageError:  # an example of another corpus: the page without results
                page(f"queries/{name}", "query.html", sq=sq, given={}, table=None, downloads="")
                continue
            rows = views.engine.select(sq.text, bindings, name)
            for fmt in ("csv", "json"):
                (work / "queries" / f"{name}.{fmt}").write_bytes(
                    protocol.select_answer(rows, fmt).body
                )
            page(f"queries/{name}", "query.html", sq=sq, given=sq.examples,
                 table=result_table(views, rows), downloads="")  # fmt: skip
        subjects = views.select(
            "SELECT DISTINCT ?s WHERE { ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?base)"
            " && !CONTAINS(STR(?s), '#')) } ORDER BY ?s",
            base=Literal(BASE),
        )
        for row in subjects:
            iri = row["s"]
            assert isinstance(iri, URIRef)
            path = str(iri)[len(BASE) :]
            if not _safe(path) or path in written:  # (the ontology has its own page)
                continue
            template, page_path, context = node_page(views, iri, path)
            page(page_path, template, **context)
        (work / "static").mkdir(exist_ok=True)
        for name in STATIC:
            (work / "static" / name).write_bytes(static_file(name))
        (work / MARKER).write_text("written by kg site\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    except OSError as e:
        shutil.rmtree(work, ignore_errors=True)
        raise FileError(f"cannot write the site: {reason(e)}", Location(out)) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return len(written)


def _safe(path: str) -> bool:
    """A page path that stays inside the site folder."""
    parts = path.split("/")
    return all(p not in ("", ".", "..") for p in parts) and "\\" not in path and "\0" not in path
