"""The explorer as an ASGI application (Starlette): the SPARQL endpoint, the pages, linked data
by path under the base IRI, and (with ``allow_edits``) the link review.

The graph is loaded once, when the application is made (``load_engine``), never per request.
Queries run in a worker thread of the engine, under its timeout and row limit. Nothing is
read from disk on a request but the links file (on the review page) and the fixed static
files: no path in a URL ever names a file.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, VOID
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from .. import queries as q
from ..api import Project
from ..build import Built
from ..engine import Engine
from ..errors import KgError, UsageError
from ..export import metadata
from ..fsutil import read_regular
from ..namespaces import BASE, DATASET, ID, NKG, PREFIXES, new_graph
from ..results import Rows, compact
from . import protocol, review
from .render import STATIC, Renderer, static_file
from .views import Views

SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".jsonld": "jsonld", ".html": "html"}
"""A node's IRI with one of these suffixes is that node in that format."""
NODE_TYPES = {"text/html": "html", "application/xhtml+xml": "html", **protocol.GRAPH_TYPES}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
CORS_PATHS = ("/sparql", "/id/", "/vocab/", "/ontology", "/.well-known/void")
"""What other sites' scripts may read (never the review page)."""


KEPT_ANSWERS = 256
KEPT_BYTES = 256 << 20


def load_engine(project: Project) -> Engine:
    """The engine the explorer answers from, loaded once: the project's built graph in the
    embedded store. (The one place to change to open a persistent store instead.)"""
    return project.engine()


class Explorer:
    """The state of a running explorer: the project, its engine and page data."""

    def __init__(
        self,
        project: Project,
        *,
        allow_edits: bool = False,
        token: str | None = None,
        editor: str = "curator",
    ) -> None:
        self.project = project
        self.engine = load_engine(project)
        self.stored = project.stored_queries()
        self.views = Views(self.engine, self.stored)
        self.render = Renderer(edits=allow_edits)
        self.allow_edits = allow_edits
        self.token = token
        self.editor = editor
        self.csrf = secrets.token_urlsafe(32)
        self.ontology_ttl = read_regular(project.ontology / "ontology.ttl")
        self.kept: dict[str, Response] = {}
        self.answers: OrderedDict[str, Response] = OrderedDict()
        """The last pages given (at most ``KEPT_ANSWERS`` of them and ``KEPT_BYTES`` in all,
        each at most a quarter of that), by URL and Accept header: the graph is loaded once,
        so a page is the same until the server restarts."""
        self.kept_bytes = 0

    def html(self, template: str, path: str, status: int = 200, **context: Any) -> Response:
        return HTMLResponse(self.render.page(template, path, **context), status_code=status)

    def fixed(self, path: str, make: Callable[[], Response]) -> Response:
        """A page that depends on nothing but the loaded graph: made once, then kept."""
        if path not in self.kept:
            self.kept[path] = make()
        kept = self.kept[path]
        return Response(kept.body, kept.status_code, media_type=kept.media_type)

    def error(self, request: Request, status: int, message: str) -> Response:
        if prefers_html(request):
            return self.html("error.html", request.url.path, status, message=message)
        return PlainTextResponse(message + "\n", status_code=status)


def prefers_html(request: Request) -> bool:
    for media in protocol.accepted(request.headers.get("accept")):
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media in protocol.GRAPH_TYPES or media in protocol.SELECT_TYPES:
            return False
    return False


def create_app(
    project: Project,
    *,
    allow_edits: bool = False,
    token: str | None = None,
    editor: str = "curator",
) -> Starlette:
    """The explorer of ``project``'s built graph (``kg serve``)."""
    ex = Explorer(project, allow_edits=allow_edits, token=token, editor=editor)

    async def page(request: Request, work: Callable[[], Response]) -> Response:
        key = None
        if request.method == "GET":  # the graph never changes while it is served
            key = f"{request.url.path}?{request.url.query}\n{request.headers.get('accept', '')}"
            kept = ex.answers.get(key)
            if kept is not None:
                ex.answers.move_to_end(key)
                return Response(kept.body, kept.status_code, headers=dict(kept.headers))
        try:
            response = await run_in_threadpool(work)
        except UsageError as e:
            return ex.error(request, 400, str(e))
        except KgError as e:
            return ex.error(request, status_of(e), str(e))
        body = getattr(response, "body", None)
        if (
            key is not None
            and response.status_code == 200
            and body is not None
            and len(body) <= KEPT_BYTES // 4
        ):
            ex.answers[key] = response
            ex.kept_bytes += len(body)
            while len(ex.answers) > KEPT_ANSWERS or ex.kept_bytes > KEPT_BYTES:
                ex.kept_bytes -= len(ex.answers.popitem(last=False)[1].body)
        return response

    async def home(request: Request) -> Response:
        return await page(
            request, lambda: ex.fixed("", lambda: ex.html("home.html", "", **ex.views.home()))
        )

    def paged(
        base: str, template: str, make: Callable[[Request, int], dict[str, Any]], **extra: Any
    ) -> Callable[[Request], Awaitable[Response]]:
        """A listing's pages: ``/BASE`` is page 1, ``/BASE/N`` page N."""

        async def listing(request: Request) -> Response:
            number = request.path_params.get("page", 1)
            if number < 1:
                return ex.error(request, 404, "no such page")
            here = base if number == 1 else f"{base}/{number}"

            def made() -> Response:
                return ex.html(template, here, base=base, **extra, **make(request, number))

            if number == 1 and not request.query_params:
                return await page(request, lambda: ex.fixed(here, made))
            return await page(request, made)

        return listing

    def index_route(kind: str, title: str) -> Callable[[Request], Awaitable[Response]]:
        return paged(
            kind + "s", "index.html", lambda r, n: ex.views.index(kind, n), title=title, kind=kind
        )

    disagreements = paged(
        "disagreements", "disagreements.html", lambda r, n: ex.views.disagreements(n)
    )

    def timeline_page(request: Request, number: int) -> dict[str, Any]:
        years = year_range(request)
        return {**ex.views.timeline(years, number), "years": years}

    timeline = paged("timeline", "timeline.html", timeline_page)

    async def node(request: Request) -> Response:
        return await page(request, lambda: linked_data(ex, request))

    async def ontology(request: Request) -> Response:
        return await page(request, lambda: ontology_page(ex, request))

    async def stored_list(request: Request) -> Response:
        return ex.html("queries.html", "queries", queries=list(ex.stored.values()))

    async def stored_query(request: Request) -> Response:
        return await page(request, lambda: run_stored(ex, request))

    async def query_page(request: Request) -> Response:
        return await page(request, lambda: ad_hoc(ex, request))

    async def sparql(request: Request) -> Response:
        return await sparql_endpoint(ex, request)

    async def void(request: Request) -> Response:
        return await page(request, lambda: void_answer(ex, request))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("not found\n", status_code=404)
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(static_file(name), media_type=media)

    async def review_page(request: Request) -> Response:
        return await review.handle(ex, request)

    routes = [
        Route("/", home),
        *(
            Route(path, endpoint)
            for name, endpoint in (
                ("articles", index_route("article", "Articles")),
                ("actors", index_route("actor", "Actors")),
                ("places", index_route("place", "Places")),
                ("events", index_route("event", "Events")),
                ("disagreements", disagreements),
                ("timeline", timeline),
            )
            for path in (f"/{name}", f"/{name}/{{page:int}}")
        ),
        Route("/queries", stored_list),
        Route("/queries/{name}", stored_query),
        Route("/query", query_page),
        Route("/sparql", sparql, methods=["GET", "POST", "OPTIONS"]),
        Route("/.well-known/void", void),
        Route("/ontology", ontology),
        Route("/ontology.{ext}", ontology),
        Route("/id/{rest:path}", node),
        Route("/vocab/{rest:path}", node),
        Route("/static/{name}", static),
        Route("/review", review_page, methods=["GET", "POST"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        return ex.error(request, 404, "not found")

    async def headers(request: Request, call_next: Any) -> Response:
        cors = request.url.path.startswith(CORS_PATHS)
        if cors and request.method == "OPTIONS":
            response: Response = Response(status_code=204)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if cors:
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Vary"] = "Accept"
        return response

    app = Starlette(
        routes=routes,
        exception_handlers={404: not_found},
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=headers)],
    )
    app.state.explorer = ex
    return app


def year_range(request: Request) -> tuple[int, int] | None:
    """The timeline's ``from`` and ``to`` years, if given (either one: the other follows)."""
    given = {k: request.query_params.get(k, "").strip() for k in ("from", "to")}
    if not any(given.values()):
        return None
    for name, value in given.items():
        if value and not (value.isascii() and value.isdigit() and len(value) == 4):
            raise UsageError(f"{name}: a year (four digits), got {value[:20]!r}")
    first = int(given["from"] or given["to"])
    last = int(given["to"] or given["from"])
    if last < first:
        raise UsageError("to: a year after from")
    return (first, last)


def status_of(error: KgError) -> int:
    """The HTTP status of an error a query gave: the timeout 503, too many rows 413, other
    problems with the query (syntax) 400."""
    if "and was stopped" in error.message:
        return 503
    if "rows" in error.message and "max-rows" in error.message:
        return 413
    return 400


# --- linked data ------------------------------------------------------------------------------


def node_format(request: Request, suffix: str | None) -> str:
    if suffix is not None:
        return SUFFIXES[suffix]
    return protocol.choose(request.headers.get("accept"), NODE_TYPES, "html")


def linked_data(ex: Explorer, request: Request) -> Response:
    """A node under the base IRI, by path: HTML for browsers, Turtle, N-Triples or JSON-LD by
    ``Accept`` or by suffix; its outgoing and incoming triples."""
    path = request.url.path.lstrip("/")
    iri, suffix = URIRef(BASE + path), None
    if not ex.views.exists(iri):
        for ext in SUFFIXES:
            if path.endswith(ext) and ex.views.exists(URIRef(BASE + path[: -len(ext)])):
                iri, suffix, path = URIRef(BASE + path[: -len(ext)]), ext, path[: -len(ext)]
                break
        else:
            return ex.error(request, 404, f"nothing in the graph has the IRI {BASE + path}")
    try:
        fmt = node_format(request, suffix)
    except protocol.NotAcceptable as e:
        return ex.error(request, 406, f"not acceptable; this resource is available as: {e}")
    if fmt != "html":
        graph = description(ex.engine, iri)
        answer = protocol.graph_answer(graph, fmt)
        return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})
    template, page_path, context = node_page(ex.views, iri, path)
    return ex.html(template, page_path, **context)


def node_page(views: Views, iri: URIRef, path: str) -> tuple[str, str, dict[str, Any]]:
    """The template, page path and context of a node's HTML page."""
    context: dict[str, Any] = {"node": views.cell(iri), "described": views.described(iri)}
    kind = path.split("/")[1] if path.startswith("id/") else ""
    if kind == "article":
        context.update(views.article(iri))
        return "article.html", path, {"ctx": context}
    if kind in ("actor", "place"):
        context.update(views.entity(iri))
        return "entity.html", path, {"ctx": context}
    if kind == "event":
        context.update(views.event(iri))
        return "event.html", path, {"ctx": context}
    return "node.html", path, {"ctx": context}


def description(engine: Engine, iri: URIRef) -> Graph:
    """The node's outgoing and incoming triples, as a graph."""
    out = engine.construct(
        "CONSTRUCT { ?s ?p ?o . ?x ?q ?s } WHERE { { ?s ?p ?o } UNION { ?x ?q ?s } }",
        {Variable("s"): iri},
        "<describe>",
    )
    return out


def ontology_page(ex: Explorer, request: Request) -> Response:
    ext = request.path_params.get("ext")
    if ext is not None and ext not in ("ttl", "html"):
        return ex.error(request, 404, "the ontology is at /ontology, /ontology.ttl")
    try:
        fmt = "turtle" if ext == "ttl" else "html" if ext == "html" else node_format(request, None)
    except protocol.NotAcceptable as e:
        return ex.error(request, 406, f"not acceptable; the ontology is available as: {e}")
    if fmt == "turtle":
        return Response(ex.ontology_ttl, media_type="text/turtle; charset=utf-8")
    if fmt != "html":
        graph = new_graph()
        graph.parse(data=ex.ontology_ttl, format="turtle")
        answer = protocol.graph_answer(graph, fmt)
        return Response(answer.body, media_type=answer.media_type)
    return ex.html("ontology.html", "ontology", terms=ontology_terms(ex.views))


def ontology_terms(views: Views) -> list[dict[str, Any]]:
    rows = views.select(
        "SELECT ?t ?kind ?label ?comment WHERE { ?t a ?kind . "
        "FILTER(STRSTARTS(STR(?t), STR(nkg:))) "
        "FILTER(?kind IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty)) "
        "OPTIONAL { ?t rdfs:label ?label } OPTIONAL { ?t rdfs:comment ?comment } } "
        "ORDER BY ?kind ?t"
    )
    return [
        {
            "name": str(r["t"])[len(str(NKG)) :],
            "kind": views.cell(r["kind"]),
            "label": str(r["label"] or ""),
            "comment": str(r["comment"] or ""),
            "described": views.described(r["t"]) if isinstance(r["t"], URIRef) else None,
        }
        for r in rows
    ]


# --- stored queries and the query page --------------------------------------------------------


def run_stored(ex: Explorer, request: Request) -> Response:
    name = request.path_params["name"]
    fmt = None
    for ext in (".csv", ".json", ".tsv", ".xml"):
        if name.endswith(ext):
            name, fmt = name[: -len(ext)], ext[1:]
    sq = ex.stored.get(name)
    if sq is None:
        return ex.error(request, 404, f"no stored query {name!r}")
    given = {
        p.name: request.query_params[p.name] for p in sq.params if p.name in request.query_params
    }
    run = "run" in request.query_params or bool(given) or not sq.params
    rows: Rows | None = None
    if run or fmt:
        values = {k: v for k, v in given.items() if v != ""}
        bindings = q.bind(sq, values, ex.engine.lookup)
        rows = ex.engine.select(sq.text, bindings, str(sq.path.name))
    if fmt is not None and rows is not None:
        answer = protocol.select_answer(rows, fmt)
        disposition = f'attachment; filename="{name}.{fmt}"'
        return Response(
            answer.body, media_type=answer.media_type, headers={"Content-Disposition": disposition}
        )
    query_string = urlencode(given)
    return ex.html(
        "query.html",
        f"queries/{name}",
        sq=sq,
        given=given,
        table=result_table(ex.views, rows) if rows is not None else None,
        downloads=query_string,
    )


def result_table(views: Views, rows: Rows) -> dict[str, Any]:
    return {
        "variables": rows.variables,
        "rows": [[views.cell(t) for t in row] for row in rows.rows],
    }


EXAMPLES = {
    "Articles by date": "SELECT ?article ?title ?date WHERE {\n"
    "  ?article a nkg:Article ; nkg:title ?title ; nkg:publicationDate ?date .\n"
    "} ORDER BY ?date",
    "Protesters killed, according to each article": "SELECT ?article ?value ?hedge WHERE {\n"
    "  ?f a nkg:Figure ; nkg:quantity qty:killed ; nkg:counted actor:iraqi-protesters ;\n"
    "     nkg:statedIn/nkg:title ?article ; nkg:hedge/skos:prefLabel ?hedge ;"
    " nkg:value ?value .\n} ORDER BY ?value",
    "Who said what": "SELECT ?speaker ?text ?article WHERE {\n"
    "  ?s a nkg:Quote ; nkg:speaker/rdfs:label ?speaker ; nkg:text ?text ;\n"
    "     nkg:statedIn/nkg:title ?article .\n} ORDER BY ?speaker LIMIT 50",
    "Describe an actor": "DESCRIBE actor:kataeb-hezbollah",
}
"""Example queries of the query page (the project's prefixes are predefined)."""


def ad_hoc(ex: Explorer, request: Request) -> Response:
    text = request.query_params.get("query", "")
    table, graph_text, boolean = None, None, None
    if text.strip():
        result = ex.engine.query(text, {}, "<query>")
        if isinstance(result, Rows):
            table = result_table(ex.views, result)
        elif isinstance(result, bool):
            boolean = result
        else:
            graph_text = result.serialize(format="turtle")
    return ex.html(
        "sparql.html",
        "query",
        text=text,
        table=table,
        graph_text=graph_text,
        boolean=boolean,
        examples=EXAMPLES,
        prefixes=sorted(PREFIXES.items()),
        encoded=urlencode({"query": text}),
    )


# --- the SPARQL endpoint ----------------------------------------------------------------------


async def sparql_endpoint(ex: Explorer, request: Request) -> Response:
    params = dict(request.query_params)
    text: str | None = params.get("query")
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            return plain(403, "updates are refused: this endpoint only reads the graph")
        if media == "application/sparql-query":
            text = (await request.body()).decode("utf-8", errors="replace")
        elif media in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            params.update({k: str(v) for k, v in form.items()})
            text = params.get("query")
        else:
            return plain(415, "send the query as application/sparql-query or as a form")
    if "update" in params:
        return plain(403, "updates are refused: this endpoint only reads the graph")
    if "default-graph-uri" in params or "named-graph-uri" in params:
        return plain(
            400,
            "default-graph-uri and named-graph-uri are refused: the endpoint queries the built "
            "graph as it is (read a named graph with GRAPH <iri> { ... })",
        )
    if text is None:
        if prefers_html(request):
            return RedirectResponse("/query", status_code=303)
        return await run_in_threadpool(lambda: service_description(ex, request))
    query: str = text
    try:
        result = await run_in_threadpool(lambda: ex.engine.query(query, {}, "<query>"))
    except KgError as e:
        return plain(400 if isinstance(e, UsageError) else status_of(e), str(e))
    wanted = params.get("format")
    try:
        if isinstance(result, Rows | bool):
            fmt = (
                protocol.FORMAT_NAMES.get(wanted, wanted)
                if wanted
                else protocol.choose(request.headers.get("accept"), protocol.SELECT_TYPES, "json")
            )
            if fmt not in ("json", "xml", "csv", "tsv"):
                raise protocol.NotAcceptable("json, xml, csv, tsv")
            answer = (
                protocol.select_answer(result, fmt)
                if isinstance(result, Rows)
                else protocol.ask_answer(result, fmt)
            )
        else:
            fmt = (
                protocol.FORMAT_NAMES.get(wanted, wanted)
                if wanted
                else protocol.choose(request.headers.get("accept"), protocol.GRAPH_TYPES, "turtle")
            )
            if fmt not in ("turtle", "nt", "jsonld"):
                raise protocol.NotAcceptable("turtle, nt, jsonld")
            answer = protocol.graph_answer(result, fmt)
    except protocol.NotAcceptable as e:
        return plain(406, f"not acceptable; this result is available as: {e}")
    return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})


def plain(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status)


def endpoint_url(request: Request) -> URIRef:
    return URIRef(str(request.url_for("sparql")))


def service_description(ex: Explorer, request: Request) -> Response:
    """The SPARQL 1.1 Service Description of the endpoint."""
    sd = "http://www.w3.org/ns/sparql-service-description#"
    g = new_graph()
    g.bind("sd", sd)
    me = endpoint_url(request)
    g.add((me, RDF.type, URIRef(sd + "Service")))
    g.add((me, URIRef(sd + "endpoint"), me))
    g.add((me, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")))
    for media in ("json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"):
        g.add((me, URIRef(sd + "resultFormat"), URIRef(FORMAT_IRIS[media])))
    g.add((me, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")))
    g.add((me, URIRef(sd + "defaultDataset"), DATASET))
    g.add((DATASET, RDF.type, URIRef(sd + "Dataset")))
    return graph_response(g, request)


FORMAT_IRIS = {
    "json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "tsv": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "turtle": "http://www.w3.org/ns/formats/Turtle",
    "nt": "http://www.w3.org/ns/formats/N-Triples",
    "jsonld": "http://www.w3.org/ns/formats/JSON-LD",
}


def graph_response(g: Graph, request: Request) -> Response:
    try:
        fmt = protocol.choose(request.headers.get("accept"), protocol.GRAPH_TYPES, "turtle")
    except protocol.NotAcceptable as e:
        return plain(406, f"not acceptable; available as: {e}")
    answer = protocol.graph_answer(g, fmt)
    return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})


def void_graph(ex: Explorer, endpoint: URIRef | None) -> Graph:
    """The dataset's VoID description (``kg.export.metadata``: title, licence, counts, ...),
    with the endpoint and a partition per class."""
    views = ex.views
    counts = views.select("SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?s) WHERE { ?s ?p ?o }")[
        0
    ]
    sources = [
        str(r["u"])
        for r in views.select(
            "SELECT ?u WHERE { ?a a nkg:Article . OPTIONAL { ?a nkg:url ?url } "
            "BIND(COALESCE(?url, ?a) AS ?u) } ORDER BY ?u"
        )
    ]
    articles = len(sources)
    built = Built(
        None,
        0,
        articles,
        int(str(counts["t"])),
        int(str(counts["s"])),
        sources,
        [],
        0,
        0,
        False,
        [],
    )
    g = metadata(built)
    if endpoint is not None:
        g.add((DATASET, VOID.sparqlEndpoint, endpoint))
    g.add((DATASET, VOID.rootResource, URIRef(str(ID))))
    for r in views.select(
        "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c ORDER BY ?c"
    ):
        name = compact(str(r["c"])).strip("<>").replace(":", "-").replace("/", "-")
        part = URIRef(f"{DATASET}/class/{quote(name, safe='-')}")
        g.add((DATASET, VOID.classPartition, part))
        if isinstance(r["c"], URIRef):
            g.add((part, VOID["class"], r["c"]))
        g.add((part, VOID.entities, Literal(int(str(r["n"])))))
    return g


def void_answer(ex: Explorer, request: Request) -> Response:
    return graph_response(void_graph(ex, endpoint_url(request)), request)


__all__ = ["Explorer", "create_app", "load_engine", "node_page"]
