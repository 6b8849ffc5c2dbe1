"""One interface to every engine kg queries: the embedded pyoxigraph store (the default),
rdflib's own SPARQL engine, and a remote SPARQL 1.1 endpoint.

    from kg import engine
    with engine.open("oxigraph", Path("build/kg.nt")) as eng:
        rows = eng.select(text, {Variable("actor"): URIRef(...)}, where="queries/x.rq")

All engines share what happens around the engine itself, here and only here:

- update requests (INSERT, DELETE, LOAD, CLEAR...) are refused before any engine sees them;
- parameters are bound as RDF terms (pyoxigraph ``substitutions``, rdflib ``initBindings``,
  a ``VALUES`` block of N-Triples terms for an endpoint), never pasted in as text;
- a syntax error is a ``DataError`` at ``path:line:column`` as the engine's parser reports it;
- SELECT rows come back as rdflib terms, in the query's ORDER BY, else sorted (by the terms'
  N-Triples form), so every engine prints the same rows in the same order.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib import Graph, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseQuery

from . import remote
from .errors import DataError, Location, UsageError
from .namespaces import PREFIXES, new_graph
from .oxi import StoreGraph, from_ox, to_ox
from .results import GraphLike, Rows, Term
from .sparqltext import has_order_by, projecting, query_form, with_prefixes, with_values


class Kind(StrEnum):
    """The embedded SPARQL engine: pyoxigraph (fast), or rdflib's (the reference, slow on large
    graphs); both give the same rows (tests compare them on every stored query)."""

    OXIGRAPH = "oxigraph"
    RDFLIB = "rdflib"


ENGINES = tuple(k.value for k in Kind)
Result = Rows | bool | Graph
Bindings = Mapping[Variable, Any]
Where = str | Path


class Engine(ABC):
    """Runs read-only SPARQL queries; see the module docstring for what every engine shares."""

    name: str
    lookup: GraphLike | None
    """The graph that resolves labels and ids of parameters and output (None: IRIs only)."""

    def query(
        self, text: str, bindings: Bindings | None = None, where: Where = "<query>"
    ) -> Result:
        """SELECT gives Rows, ASK a bool, CONSTRUCT and DESCRIBE a Graph."""
        form = query_form(text)
        if form == "UPDATE":
            raise UsageError("update queries are refused: kg only reads the graph", Location(where))
        result = self._run(text, dict(bindings or {}), where, form or "SELECT")
        if isinstance(result, Rows) and not has_order_by(text):
            result.rows.sort(key=lambda row: tuple("" if t is None else t.n3() for t in row))
        return result

    def select(self, text: str, bindings: Bindings | None = None, where: Where = "<query>") -> Rows:
        result = self.query(text, bindings, where)
        if not isinstance(result, Rows):
            raise UsageError("expected a SELECT query", Location(where))
        return result

    def ask(self, text: str, bindings: Bindings | None = None, where: Where = "<query>") -> bool:
        result = self.query(text, bindings, where)
        if not isinstance(result, bool):
            raise UsageError("expected an ASK query", Location(where))
        return result

    def construct(
        self, text: str, bindings: Bindings | None = None, where: Where = "<query>"
    ) -> Graph:
        """A CONSTRUCT or DESCRIBE query's graph."""
        result = self.query(text, bindings, where)
        if not isinstance(result, Graph):
            raise UsageError("expected a CONSTRUCT or DESCRIBE query", Location(where))
        return result

    @abstractmethod
    def _run(self, text: str, bindings: dict[Variable, Any], where: Where, form: str) -> Result:
        """Run a query that is not an update; ``form`` is SELECT, ASK, CONSTRUCT or DESCRIBE
        (SELECT when the text does not say: the parser will)."""

    def close(self) -> None:  # noqa: B027 - engines without resources need not override it
        """Release what the engine holds (connections)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --- pyoxigraph -------------------------------------------------------------------------------

_OX_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


def oxigraph_syntax_error(error: SyntaxError, text: str, where: Where) -> DataError:
    """pyoxigraph's ``error at LINE:COLUMN: message`` as ``where:LINE:COLUMN: ...``.

    When pyoxigraph gives up at the end of the input (only blanks follow the position it
    reports), the error points at the last character instead: the token it could not use.
    """
    message = str(error)
    m = _OX_ERROR.match(message)
    if m is None:
        return DataError(f"SPARQL syntax error: {message}", Location(where))
    line, column = int(m.group(1)), int(m.group(2))
    lines = text.split("\n")
    if line > len(lines) or not (
        lines[line - 1][column - 1 :].strip() or "".join(lines[line:]).strip()
    ):
        body = text.rstrip().split("\n")
        if body[-1]:
            line, column = len(body), len(body[-1])
    message = " ".join(m.group(3).split())
    # pyoxigraph lists its own messages ("Prefix not found") among the expected tokens
    parts = message.removeprefix("expected one of ").split(", ")
    own = [part for part in parts if " " in part and part[:1] not in "['"]
    if message.startswith("expected one of ") and own:
        message = "; ".join(own)
    return DataError(f"SPARQL syntax error: {message}", Location(where, line, column=column))


class OxigraphEngine(Engine):
    """The embedded engine: a pyoxigraph store (by default queried on its default graph; with
    ``union``, on the union of its named graphs)."""

    name = "oxigraph"

    def __init__(self, store: ox.Store, union: bool = False) -> None:
        self.store = store
        self.union = union
        self.lookup = StoreGraph(store)

    @classmethod
    def load(cls, path: Path) -> OxigraphEngine:
        """The built graph (``build/kg.nt``) in an in-memory store."""
        _check_built(path)
        store = ox.Store()
        try:
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as e:  # at a line and column: a Turtle file, say, for N-Triples
            reason = re.sub(r"^Parser error at line \d+ between columns \d+ and \d+: ", "", e.msg)
            raise DataError(
                f"cannot load the graph: {reason[:1].lower()}{reason[1:]} (--graph takes "
                "N-Triples, such as build/kg.nt)",
                Location(path, e.lineno, column=e.offset),
            ) from None
        except (ValueError, OSError) as e:
            raise DataError(f"cannot load the built graph: {e}", Location(path)) from None
        return cls(store)

    def solutions(self, text: str, bindings: Bindings) -> tuple[Any, set[str]]:
        """pyoxigraph's own answer (lazy solutions, a QueryBoolean or QueryTriples) and the
        names of the columns added to carry parameters (to hide from the rows).

        Parameters are substituted by pyoxigraph (an order of magnitude faster than a VALUES
        block on large graphs: the constant reaches every branch of a UNION), which wants
        them projected; a query that cannot take them there gets a VALUES block instead.
        """
        options: dict[str, Any] = {"prefixes": PREFIXES, "use_default_graph_as_union": self.union}
        if bindings:
            extended = projecting(text, sorted(str(v) for v in bindings))
            if extended is not None:
                substitutions: dict[ox.Variable, Any] = {
                    ox.Variable(str(v)): to_ox(t) for v, t in bindings.items()
                }
                try:
                    result = self.store.query(extended[0], substitutions=substitutions, **options)
                    return result, set(extended[1])
                except SyntaxError:
                    pass
            try:
                return self.store.query(with_values(text, bindings), **options), set()
            except SyntaxError as e:
                self.store.query(text, **options)  # the error of the text as written, if any
                raise UsageError(f"cannot bind parameters: {e}") from None
        return self.store.query(text, **options), set()

    def _run(self, text: str, bindings: dict[Variable, Any], where: Where, form: str) -> Result:
        try:
            result, hidden = self.solutions(text, bindings)
            if isinstance(result, ox.QueryBoolean):
                return bool(result)
            if isinstance(result, ox.QueryTriples):
                g = new_graph()
                for t in result:
                    g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))  # type: ignore[arg-type]
                return g
            variables = [v.value for v in result.variables if v.value not in hidden]
            convert = _Converter()
            rows = [tuple(convert(solution[v]) for v in variables) for solution in result]
        except SyntaxError as e:
            raise oxigraph_syntax_error(e, text, where) from None
        except (OSError, ValueError) as e:  # an evaluation error, e.g. a failed SERVICE call
            raise DataError(f"SPARQL error (pyoxigraph): {e}", Location(where)) from None
        return Rows(variables, rows)


class _Converter:
    """from_ox, remembering IRIs (result rows repeat them a lot)."""

    def __init__(self) -> None:
        self.iris: dict[str, URIRef] = {}

    def __call__(self, term: Any) -> Term:
        if isinstance(term, ox.NamedNode):
            value = term.value
            found = self.iris.get(value)
            if found is None:
                found = self.iris[value] = URIRef(value)
            return found
        return from_ox(term)


# --- rdflib -----------------------------------------------------------------------------------


def rdflib_syntax_error(error: ParseException, where: Where) -> DataError:
    return DataError(
        f"SPARQL syntax error: {error.msg}", Location(where, error.lineno, column=error.col)
    )


class RdflibEngine(Engine):
    """rdflib's SPARQL engine on an rdflib Graph: the reference, slow on large graphs."""

    name = "rdflib"

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.lookup = graph

    @classmethod
    def load(cls, path: Path) -> RdflibEngine:
        _check_built(path)
        g = new_graph()
        try:
            g.parse(path, format="nt")
        except Exception as e:  # rdflib's parsers raise assorted exception types
            raise DataError(f"cannot load the built graph: {e}", Location(path)) from None
        return cls(g)

    def _run(self, text: str, bindings: dict[Variable, Any], where: Where, form: str) -> Result:
        try:
            prepared = prepareQuery(text, initNs=PREFIXES)
        except ParseException as e:
            raise rdflib_syntax_error(e, where) from None
        except Exception as e:  # rdflib raises plain Exceptions for some semantic errors
            raise DataError(f"SPARQL error (rdflib): {e}", Location(where)) from None
        result = self.graph.query(prepared, initBindings=bindings)  # type: ignore[arg-type]
        if result.type == "ASK":
            return bool(result.askAnswer)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            out = new_graph()
            for triple in result:
                out.add(triple)  # type: ignore[arg-type]
            return out
        variables = [str(v) for v in (result.vars or [])]
        return Rows(variables, [tuple(row) for row in result])  # type: ignore[arg-type]


# --- a SPARQL 1.1 endpoint --------------------------------------------------------------------


class RemoteEngine(Engine):
    """A SPARQL 1.1 Protocol endpoint (see ``kg.remote``). The query is checked by rdflib's
    parser first, so that a syntax error is reported at the line and column of the text as
    written; then the project's prefixes it does not declare are added, and the parameters as
    a VALUES block."""

    name = "endpoint"

    def __init__(self, endpoint: str, lookup: GraphLike | None = None) -> None:
        self.endpoint = endpoint
        self.lookup = lookup
        self.session = remote.session()

    def _run(self, text: str, bindings: dict[Variable, Any], where: Where, form: str) -> Result:
        try:
            parseQuery(text)
        except ParseException as e:
            raise rdflib_syntax_error(e, where) from None
        sent = with_prefixes(with_values(text, bindings), PREFIXES)
        response = remote.send_query(self.session, self.endpoint, sent, form)
        return remote.read_answer(response, form, self.endpoint)

    def close(self) -> None:
        self.session.close()


# --- choosing one -----------------------------------------------------------------------------


def _check_built(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"no built graph at {path}: run `kg build` first", Location(path))


def open(
    kind: str = Kind.OXIGRAPH,
    graph: Path = Path("build/kg.nt"),
    endpoint: str | None = None,
) -> Engine:
    """The engine to query: ``endpoint`` if given (the built graph, when present, still
    resolves labels and ids), else the built ``graph`` loaded into ``kind``."""
    if endpoint is not None:
        lookup = OxigraphEngine.load(graph).lookup if graph.is_file() else None
        return RemoteEngine(endpoint, lookup)
    if kind == "rdflib":
        return RdflibEngine.load(graph)
    if kind == "oxigraph":
        return OxigraphEngine.load(graph)
    raise UsageError(f"unknown engine {kind!r}; engines: " + ", ".join(ENGINES))
