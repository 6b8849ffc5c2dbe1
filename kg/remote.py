"""A remote SPARQL 1.1 store: load the graph through the Graph Store HTTP Protocol, and run
queries through the SPARQL 1.1 Protocol, the way servers answer it:

- a short query is sent with GET ``?query=``, a longer one as a URL-encoded form POST
  (``application/x-www-form-urlencoded``); never ``POST application/sparql-query``, which
  Virtuoso 7.2 leaves unanswered;
- SELECT and ASK results are asked for as SPARQL JSON, CONSTRUCT and DESCRIBE results as
  Turtle or N-Triples; an answer of any other shape is a ``ServiceError``.

Credentials come from the environment, never from the command line: ``KG_ENDPOINT_TOKEN``
(sent as a bearer token), or ``KG_ENDPOINT_USER`` and ``KG_ENDPOINT_PASSWORD``, sent the way
the server's ``WWW-Authenticate`` challenge asks: HTTP Digest (Virtuoso's
``/sparql-graph-crud-auth``) or Basic.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from . import __version__
from .errors import Location, ServiceError
from .namespaces import DATASET, ID, METADATA_GRAPH, new_graph
from .results import Rows, Term, visible

USER_AGENT = (
    f"newskg/{__version__} (+https://w3id.org/newskg/) python-requests/{requests.__version__}"
)
TIMEOUT = (5.0, 120.0)  # connect, read (seconds); a query's read timeout is its own timeout
MAX_GET = 2048  # longest URL-encoded query sent with GET; longer ones are form-POSTed
ACCEPT_RESULTS = "application/sparql-results+json"
ACCEPT_GRAPH = "text/turtle, application/n-triples;q=0.9"
_GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
}


class ChallengeAuth(AuthBase):
    """User and password, answered in the scheme the server's 401 challenge names: Digest
    (handled by requests' HTTPDigestAuth) or Basic. Nothing is sent before a challenge."""

    def __init__(self, user: str, password: str) -> None:
        self.digest = HTTPDigestAuth(user, password)
        self.basic = HTTPBasicAuth(user, password)

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r = self.digest(r)  # registers its own 401 hook; answers Digest challenges only
        r.register_hook("response", self._answer_basic)  # type: ignore[no-untyped-call]
        return r

    def _answer_basic(self, r: requests.Response, **kwargs: Any) -> requests.Response:
        challenge = r.headers.get("www-authenticate", "").lower()
        if r.status_code != 401 or not challenge.startswith("basic"):
            return r
        if r.request.headers.get("Authorization", "").startswith("Basic "):
            return r  # already refused once
        r.content  # noqa: B018 - read the body so that the connection can be reused
        r.close()
        prepared = r.request.copy()
        self.basic(prepared)
        retry: requests.Response = r.connection.send(prepared, **kwargs)
        retry.history.append(r)
        retry.request = prepared
        return retry


def session() -> requests.Session:
    """An HTTP session with kg's User-Agent and the credentials of the environment."""
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    token = os.environ.get("KG_ENDPOINT_TOKEN")
    user = os.environ.get("KG_ENDPOINT_USER")
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    elif user:
        s.auth = ChallengeAuth(user, os.environ.get("KG_ENDPOINT_PASSWORD", ""))
    return s


def request(
    s: requests.Session,
    method: str,
    url: str,
    ok: tuple[int, ...] = (),
    read_timeout: float | None = None,
    **kwargs: Any,
) -> requests.Response:
    """One HTTP request; every failure (but the statuses ``ok``) is a ServiceError located
    at the URL. ``read_timeout``: seconds to wait for the server's next bytes (default
    ``TIMEOUT``'s)."""
    connect, read = TIMEOUT
    if read_timeout is not None:
        connect, read = min(connect, read_timeout), read_timeout
    try:
        response = s.request(method, url, timeout=(connect, read), **kwargs)
    except requests.Timeout:
        raise ServiceError("timed out waiting for the server", Location(url)) from None
    except requests.ConnectionError:
        raise ServiceError("cannot connect to the server (is it running?)", Location(url)) from None
    except requests.RequestException as e:
        raise ServiceError(f"request failed: {e}", Location(url)) from None
    if response.status_code in (401, 403):
        raise ServiceError(
            f"HTTP {response.status_code}: not authorised; set KG_ENDPOINT_TOKEN, or "
            "KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD",
            Location(url),
        )
    if response.status_code >= 400 and response.status_code not in ok:
        detail = visible(" ".join(response.text.split())[:300])  # the server's words, inert
        raise ServiceError(
            f"HTTP {response.status_code}: {detail or response.reason}", Location(url)
        )
    return response


@dataclass
class Pushed:
    """What a push did: triples sent, graphs replaced, graphs of an earlier push removed."""

    triples: int
    replaced: list[URIRef]
    removed: list[URIRef]


def push(
    store_url: str,
    graphs: dict[URIRef, bytes],
    prune: bool = True,
    update_url: str | None = None,
) -> Pushed:
    """Replace each named graph (name -> N-Triples) in the store; return what was done.

    With ``prune``, the graphs an earlier push listed in its dataset description
    (``dcterms:hasPart``) that this push does not hold are deleted: the store then holds
    exactly what was built. Graphs kg did not push are left alone.

    With ``update_url`` (the store's SPARQL 1.1 Update endpoint), every graph is first PUT
    into a staging graph of its own, then one update request moves them all into place and
    drops the stale ones: all or nothing (a store applies one update request as a whole); a
    failure removes the staging graphs and leaves the store as it was. Without it, each graph
    is replaced with its own PUT, the dataset description last, and a failure says which
    graphs were replaced and which still hold the previous push.
    """
    with session() as s:
        before = pushed_graphs(s, store_url) if prune else []
        order = sorted(graphs, key=lambda name: (name == METADATA_GRAPH, str(name)))
        removed = [name for name in before if name not in graphs]
        sent = sum(graphs[name].count(b"\n") for name in order)
        if update_url is not None:
            _staged_push(s, store_url, update_url, graphs, order, removed)
            return Pushed(sent, order, removed)
        done: list[URIRef] = []
        for name in order:
            try:
                _put(s, store_url, name, graphs[name])
            except ServiceError as e:
                raise ServiceError(_mixed(e, name, done, order), e.location) from None
            done.append(name)
        for name in removed:
            request(s, "DELETE", store_url, params={"graph": str(name)}, ok=(404,))
    return Pushed(sent, order, removed)


def _put(s: requests.Session, store_url: str, name: URIRef, body: bytes) -> None:
    request(
        s,
        "PUT",
        store_url,
        params={"graph": str(name)},
        data=body,
        headers={"Content-Type": "application/n-triples"},
    )


def _mixed(e: ServiceError, failed: URIRef, done: list[URIRef], order: list[URIRef]) -> str:
    """What the store holds after a PUT failed half-way: said exactly."""
    left = [name for name in order if name not in done]
    replaced = ", ".join(f"<{n}>" for n in done) or "none"
    return (
        f"{e.message}; the push stopped at <{failed}>: {len(done)} of {len(order)} graph(s) "
        f"were replaced ({replaced}), {len(left)} still hold what was there before "
        f"({', '.join(f'<{n}>' for n in left)}), nothing was removed; run kg push again "
        "(with --update URL, a push is all or nothing)"
    )


def _staged_push(
    s: requests.Session,
    store_url: str,
    update_url: str,
    graphs: dict[URIRef, bytes],
    order: list[URIRef],
    removed: list[URIRef],
) -> None:
    token = secrets.token_hex(8)
    staging = {name: URIRef(f"{name}/staging-{token}") for name in order}
    try:
        for name in order:
            _put(s, store_url, staging[name], graphs[name])
        moves = [f"MOVE SILENT GRAPH <{staging[n]}> TO GRAPH <{n}>" for n in order]
        drops = [f"DROP SILENT GRAPH <{n}>" for n in removed]
        request(
            s,
            "POST",
            update_url,
            data={"update": " ;\n".join(moves + drops)},
            headers={"Accept": "*/*"},
        )
    except ServiceError as e:
        for name in order:  # best effort: a staging graph left behind is only clutter
            with contextlib.suppress(ServiceError):
                request(s, "DELETE", store_url, params={"graph": str(staging[name])}, ok=(404,))
        raise ServiceError(
            f"{e.message}; nothing was changed in the store (the staged graphs were removed)",
            e.location,
        ) from None


def pushed_graphs(s: requests.Session, store_url: str) -> list[URIRef]:
    """The graphs the store's copy of the dataset description lists (none if it has none):
    only kg's own graph IRIs, so a damaged description cannot delete anyone else's graph."""
    response = request(
        s,
        "GET",
        store_url,
        params={"graph": str(METADATA_GRAPH)},
        headers={"Accept": "application/n-triples"},
        ok=(404,),
    )
    if response.status_code == 404 or not response.content.strip():
        return []
    graph = new_graph()
    try:
        graph.parse(data=response.content, format="nt")
    except Exception:
        raise ServiceError(
            f"the store's copy of <{METADATA_GRAPH}> is not N-Triples", Location(store_url)
        ) from None
    own = str(ID["graph/"])
    return sorted(
        o
        for o in graph.objects(DATASET, DCTERMS.hasPart)
        if isinstance(o, URIRef) and str(o).startswith(own) and o != METADATA_GRAPH
    )


# --- queries over the SPARQL 1.1 Protocol -----------------------------------------------------


def send_query(
    s: requests.Session, endpoint: str, text: str, form: str, timeout: float | None = None
) -> requests.Response:
    """GET for a short query, URL-encoded form POST for a long one; ``timeout``: the read
    timeout in seconds (the query's own, ``--timeout``)."""
    accept = ACCEPT_GRAPH if form in ("CONSTRUCT", "DESCRIBE") else ACCEPT_RESULTS
    if len(urlencode({"query": text})) <= MAX_GET:
        return request(
            s,
            "GET",
            endpoint,
            read_timeout=timeout,
            params={"query": text},
            headers={"Accept": accept},
        )
    return request(
        s,
        "POST",
        endpoint,
        read_timeout=timeout,
        data={"query": text},  # requests encodes it as application/x-www-form-urlencoded
        headers={"Accept": accept},
    )


def read_answer(response: requests.Response, form: str, endpoint: str) -> Rows | bool | Graph:
    """The server's answer as kg's result types, or a ServiceError saying what is wrong."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if form in ("CONSTRUCT", "DESCRIBE"):
        return _graph(response, kind, endpoint)
    try:
        doc = response.json()
    except ValueError:
        raise _bad(endpoint, f"not SPARQL JSON results ({kind or 'no content type'})") from None
    if not isinstance(doc, dict):
        raise _bad(endpoint, "SPARQL JSON results must be an object")
    if "boolean" in doc:
        return _boolean(doc["boolean"], endpoint)
    rows = _rows(doc, endpoint)
    if form == "ASK":
        # Virtuoso 7.2 answers ASK as a table: one variable, one row holding 1, or no row
        if len(rows.variables) == 1 and len(rows.rows) <= 1:
            return bool(rows.rows) and _boolean(rows.rows[0][0], endpoint)
        raise _bad(endpoint, "an ASK query got a table of results")
    return rows


def _bad(endpoint: str, what: str) -> ServiceError:
    return ServiceError(f"unexpected answer from the server: {what}", Location(endpoint))


def _boolean(value: Any, endpoint: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, Literal):
        value = str(value)
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise _bad(endpoint, f"{value!r} is not a boolean")


def _rows(doc: dict[str, Any], endpoint: str) -> Rows:
    head, results = doc.get("head"), doc.get("results")
    if not isinstance(head, dict) or not isinstance(results, dict):
        raise _bad(endpoint, "SPARQL JSON results without 'head' and 'results'")
    variables, bindings = head.get("vars"), results.get("bindings")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise _bad(endpoint, "'head' has no list of variable names 'vars'")
    if not isinstance(bindings, list) or not all(isinstance(b, dict) for b in bindings):
        raise _bad(endpoint, "'results' has no list of 'bindings'")
    rows = [tuple(_term(b.get(v), endpoint) for v in variables) for b in bindings]
    return Rows(list(variables), rows)


def _term(binding: Any, endpoint: str) -> Term:
    if binding is None:
        return None
    if not isinstance(binding, dict) or not isinstance(binding.get("value"), str):
        raise _bad(endpoint, f"a binding without a 'value': {binding!r}")
    kind, value = binding.get("type"), binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind not in ("literal", "typed-literal"):  # typed-literal: the 2008 draft Virtuoso uses
        raise _bad(endpoint, f"a binding of unknown type {kind!r}")
    lang = binding.get("xml:lang")
    if isinstance(lang, str) and lang:
        return Literal(value, lang=lang)
    datatype = binding.get("datatype")
    if datatype in (None, str(XSD.string), str(RDF.langString)):
        return Literal(value)
    return Literal(value, datatype=URIRef(str(datatype)))


def _graph(response: requests.Response, kind: str, endpoint: str) -> Graph:
    fmt = _GRAPH_TYPES.get(kind)
    if fmt is None:
        raise _bad(endpoint, f"a graph was asked for, got {kind or 'no content type'}")
    g = new_graph()
    try:
        g.parse(data=response.text, format=fmt)
    except Exception as e:  # rdflib's parsers raise assorted exception types
        raise _bad(endpoint, f"the {kind} does not parse: {e}") from None
    return g
