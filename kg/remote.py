"""A remote SPARQL 1.1 store: load the graph through the Graph Store HTTP Protocol, and run
queries through the SPARQL 1.1 Protocol.

Credentials come from the environment, never from the command line:
``KG_ENDPOINT_TOKEN`` (sent as a bearer token), or ``KG_ENDPOINT_USER`` and
``KG_ENDPOINT_PASSWORD`` (HTTP basic authentication).
"""

from __future__ import annotations

import os
from typing import Any

import requests
from rdflib import BNode, Graph, Literal, URIRef, Variable

from . import __version__
from .errors import Location, ServiceError
from .namespaces import new_graph
from .queries import with_values
from .results import Rows, Term

USER_AGENT = (
    f"newskg/{__version__} (+https://w3id.org/newskg/) python-requests/{requests.__version__}"
)
TIMEOUT = (5.0, 120.0)  # connect, read (seconds)


def _session() -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    token = os.environ.get("KG_ENDPOINT_TOKEN")
    user = os.environ.get("KG_ENDPOINT_USER")
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    elif user:
        s.auth = (user, os.environ.get("KG_ENDPOINT_PASSWORD", ""))
    return s


def _request(method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        response = _session().request(method, url, timeout=TIMEOUT, **kwargs)
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
    if response.status_code >= 400:
        detail = " ".join(response.text.split())[:300]
        raise ServiceError(
            f"HTTP {response.status_code}: {detail or response.reason}", Location(url)
        )
    return response


def push(store_url: str, graphs: dict[URIRef, bytes]) -> int:
    """Replace each named graph (name -> N-Triples) in the store with an HTTP PUT
    ``?graph=``; return the number of triples sent. Other graphs of the store are left alone.
    """
    sent = 0
    for name in sorted(graphs):
        body = graphs[name]
        _request(
            "PUT",
            store_url,
            params={"graph": str(name)},
            data=body,
            headers={"Content-Type": "application/n-triples"},
        )
        sent += body.count(b"\n")
    return sent


# --- queries over the SPARQL 1.1 Protocol -----------------------------------------------------


def query(
    endpoint: str, text: str, bindings: dict[Variable, Any] | None = None
) -> Rows | bool | Graph:
    """Run a query on a SPARQL 1.1 endpoint; same result types as the embedded engine."""
    body = with_values(text, bindings or {})
    response = _request(
        "POST",
        endpoint,
        data=body.encode("utf-8"),
        headers={
            "Content-Type": "application/sparql-query; charset=utf-8",
            "Accept": "application/sparql-results+json, text/turtle;q=0.9",
        },
    )
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    if kind in ("text/turtle", "application/n-triples"):
        g = new_graph()
        g.parse(data=response.text, format="turtle")
        return g
    try:
        doc = response.json()
    except ValueError:
        raise ServiceError(
            f"the server's answer is not SPARQL JSON results ({kind})", Location(endpoint)
        ) from None
    if "boolean" in doc:
        return bool(doc["boolean"])
    variables = list(doc["head"]["vars"])
    rows = [tuple(_term(b.get(v)) for v in variables) for b in doc["results"]["bindings"]]
    return Rows(variables, rows)


def _term(binding: dict[str, str] | None) -> Term:
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)
