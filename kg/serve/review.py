"""The link review page: the proposed Wikidata links of ``links/wikidata.csv``, each with
accept and reject, which rewrite the links file atomically with who decided.

Only with ``kg serve --allow-edits``. Without a token the explorer serves edits on loopback
only, and only to requests addressed to a loopback host name (so a web page cannot reach it
through DNS rebinding); with ``--token`` a request shows the token once (``?token=``, kept in
a same-site cookie) or sends it as ``Authorization: Bearer``. Every decision is a POST that
carries the page's CSRF token, from the explorer's own origin.
"""

from __future__ import annotations

import dataclasses
import hmac
import ipaddress
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from rdflib import URIRef
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import KgError, Location, UsageError
from ..fsutil import write_output
from ..links import AUTO, LinkRow, Status, default_links, parse_links, read_links_bytes
from ..links import render_links as render_rows
from ..namespaces import ID, WIKIDATA, N
from ..results import visible

if TYPE_CHECKING:
    from .app import Explorer

COOKIE = "kg_token"
_LOCK = threading.Lock()
"""Held while a decision reads and rewrites the links file."""


def links_path(ex: Explorer) -> Path:
    return ex.project.links_file() or default_links(ex.project.extractions)


def proposed(path: Path) -> list[LinkRow]:
    """The rows awaiting review."""
    if not path.exists():
        return []
    rows = parse_links(read_links_bytes(path), path)
    return [r for r in rows if r.status is Status.PROPOSED]


def check_editor(name: str) -> str:
    """Who decided, as the links file records it: a short name, not ``auto``."""
    value = name.strip()
    if not value:
        raise UsageError("say who decides (your name)", Location(field="decided_by"))
    if value == AUTO:
        raise UsageError("'auto' is kg link's own name; give yours", Location(field="decided_by"))
    if len(value) > 80 or visible(value) != value:
        raise UsageError(
            "a name of at most 80 characters, without control characters",
            Location(field="decided_by"),
        )
    return value


def decide(path: Path, entity: str, qid: str, accept: bool, by: str) -> LinkRow:
    """Accept or reject the proposed link ``entity`` -> ``qid``: the links file is rewritten
    atomically with the row's new status and ``decided_by``; anything else stays as it was."""
    who = check_editor(by)
    with _LOCK:
        rows = parse_links(read_links_bytes(path), path)
        found = [r for r in rows if r.entity == entity and r.qid == qid]
        if not found or found[0].status is not Status.PROPOSED:
            state = f"it is {found[0].status}" if found else "there is no such row"
            raise UsageError(
                f"no proposed link {entity} -> {qid} to decide ({state}); reload the page",
                Location(path),
            )
        status = Status.ACCEPTED if accept else Status.REJECTED
        new = dataclasses.replace(found[0], status=status, decided_by=who, line=None)
        write_output(path, render_rows([new if r is found[0] else r for r in rows]))
        return new


def loopback(host: str) -> bool:
    """Whether ``host`` (a name or address to bind, or a client's address) is loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def same_secret(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _loopback_request(request: Request) -> bool:
    client = request.client.host if request.client else ""
    host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
    return loopback(client) and loopback(host)


def _authorised(ex: Explorer, request: Request) -> bool:
    if ex.token is None:
        return _loopback_request(request)
    bearer = request.headers.get("authorization", "")
    given = (
        bearer[7:]
        if bearer.startswith("Bearer ")
        else request.query_params.get("token") or request.cookies.get(COOKIE)
    )
    return same_secret(given, ex.token)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return origin == own


async def handle(ex: Explorer, request: Request) -> Response:
    if not ex.allow_edits:
        return ex.error(request, 404, "link review is off: start kg serve with --allow-edits")
    if not _authorised(ex, request):
        return ex.error(
            request,
            403,
            "link review: give the token (?token=... or Authorization: Bearer ...)"
            if ex.token
            else "link review answers only on loopback (127.0.0.1, localhost)",
        )
    path = links_path(ex)
    message = request.query_params.get("done")
    status = 200
    if request.method == "POST":
        form = await request.form()
        values: dict[str, str] = {k: str(v) for k, v in form.items()}
        if not same_secret(values.get("csrf"), ex.csrf) or not _same_origin(request):
            return ex.error(request, 403, "the form is stale or from another site; reload it")
        try:
            row = await run_in_threadpool(
                decide,
                path,
                values.get("entity", ""),
                values.get("qid", ""),
                values.get("decision") == "accept",
                values.get("decided_by", ""),
            )
        except KgError as e:
            message, status = str(e), 409 if isinstance(e, UsageError) else 500
        else:
            done = f"{row.status}: {row.entity} -> {row.qid} ({row.label}), by {row.decided_by}"
            return RedirectResponse("/review?" + urlencode({"done": done}), status_code=303)
    try:
        rows = await run_in_threadpool(proposed, path)
    except KgError as e:
        return ex.error(request, 500, str(e))
    items = [_item(ex, r) for r in rows]
    response = ex.html(
        "review.html",
        "review",
        status,
        items=items,
        links_path=str(path),
        message=message,
        csrf=ex.csrf,
        editor=ex.editor,
    )
    if ex.token is not None and request.query_params.get("token"):
        response.set_cookie(COOKIE, ex.token, httponly=True, samesite="strict")
    return response


def _item(ex: Explorer, row: LinkRow) -> dict[str, Any]:
    entity = URIRef(f"{ID}actor/{row.entity}")
    if not ex.views.exists(entity):
        entity = URIRef(f"{ID}place/{row.entity}")
    cell = ex.views.cell(entity)
    description = ex.views.graph.value(entity, N.description) if ex.views.graph else None
    return {
        "row": row,
        "entity": cell,
        "description": str(description) if description is not None else "",
        "wikidata": WIKIDATA + row.qid,
    }
