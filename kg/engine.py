"""One interface to every engine kg queries: the embedded pyoxigraph store (the default),
rdflib's own SPARQL engine, and a remote SPARQL 1.1 endpoint.

    from kg import engine
    with engine.open("oxigraph", Path("build/kg.nt")) as eng:
        rows = eng.select(text, {Variable("actor"): URIRef(...)}, where="queries/x.rq")

All engines share what happens around the engine itself, here and only here:

- update requests (INSERT, DELETE, LOAD, CLEAR...) are refused before any engine sees them;
- parameters are bound as RDF terms, never as query text: pyoxigraph and an endpoint get
  each term written into the query, escaped so that it can only be that term, where that
  keeps the query's meaning (``sparqltext.inlined``; planners use constants), else
  pyoxigraph ``substitutions`` and a ``VALUES`` block for an endpoint; rdflib
  ``initBindings``;
- a federated query (``SERVICE``, which makes the engine call other servers) is refused unless
  allowed (``allow_service``), and so is a dataset clause (``FROM``, ``FROM NAMED``: rdflib
  would fetch the IRI from the web), wherever the keyword is (subqueries too), but never for
  the word in a string, comment or IRI, and also when spelled with codepoint escapes;
- every query runs under a timeout (``timeout`` seconds, ``DEFAULT_TIMEOUT``) in a worker
  thread, so that Ctrl-C stops it at once (pyoxigraph runs in native code without the GIL);
  a query stopped this way leaves its thread to finish in the background, where its answer is
  dropped (pyoxigraph cannot be interrupted); a command-line run ends right away;
- at most ``max_rows`` rows (``DEFAULT_MAX_ROWS``) are read: more is an error, not a cut;
- a syntax error is a ``DataError`` at ``path:line:column`` as the engine's parser reports it;
- SELECT rows come back as rdflib terms, in the query's ORDER BY, else sorted (by the terms'
  N-Triples form), so every engine prints the same rows in the same order.
"""

from __future__ import annotations

import ctypes
import queue
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import pyoxigraph as ox
from rdflib import Graph, Variable

from . import store as kgstore
from .choices import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, Kind
from .errors import DataError, KgError, Location, UsageError
from .namespaces import PREFIXES, new_graph
from .oxi import StoreGraph, from_ox, to_ox
from .results import GraphLike, Rows, visible
from .sparqltext import (
    find_keywords,
    has_order_by,
    inlined,
    projecting,
    query_form,
    readings,
    with_prefixes,
    with_values,
)

if TYPE_CHECKING:
    from pyparsing import ParseException

ENGINES = tuple(k.value for k in Kind)
Result = Rows | bool | Graph
Bindings = Mapping[Variable, Any]
Where = str | Path
T = TypeVar("T")

_SERVICE = frozenset(("SERVICE",))
HEDGE = 0.3
"""Seconds the on-disk store has to answer before the graph is also loaded into memory."""
_DATASET = frozenset(("FROM",))


_this_query = threading.local()
"""What the query a worker thread runs was given: ``timeout``."""


class _Cancelled(BaseException):
    """Raised in a query's worker thread to stop it (where it runs Python code)."""


def _located(where: Where, line: int | None, column: int | None) -> Location:
    return Location(where, line, column=column) if line is not None else Location(where)


def run_limited(
    work: Callable[[], T], seconds: float | None, where: Where, shown: float | None = None
) -> T:
    """``work()`` in a worker thread, waited for at most ``seconds`` (None: no limit).

    The caller's thread only waits, so Ctrl-C (KeyboardInterrupt) and the timeout take effect
    at once even while the worker is in native code; then the worker is asked to stop (an
    exception raised in it, which takes effect when it next runs Python code) and left to end
    in the background, its answer dropped.
    """
    box: dict[str, Any] = {}
    done = threading.Event()
    lock = threading.Lock()  # held to ask the worker to stop, and by the worker to finish

    def target() -> None:
        try:
            try:
                box["result"] = work()
            except _Cancelled:
                pass  # nobody waits for the answer any more
            except KgError as e:
                # without its traceback, whose frames hold pyoxigraph objects that must be
                # dropped in this thread
                e.__context__ = e.__cause__ = None
                box["error"] = e.with_traceback(None)
            except BaseException as e:
                box["error"] = e
            with lock:  # a request to stop sent before this lands here at the latest
                box["finished"] = True
        except _Cancelled:
            pass
        finally:
            done.set()

    worker = threading.Thread(target=target, name="kg-query", daemon=True)
    worker.start()
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        while not done.wait(0.05):
            if deadline is not None and time.monotonic() >= deadline:
                raise DataError(
                    f"the query ran for more than {shown or seconds:g} s and was stopped; give "
                    "it more time with --timeout SECONDS (timeout= in the Python API), or "
                    "narrow it",
                    Location(where),
                )
    except BaseException:  # the timeout, Ctrl-C, or any exception in this thread (an alarm)
        threading.Thread(target=_stop, args=(worker, lock, box), daemon=True).start()
        raise
    error = box.get("error")
    if error is not None:
        raise error
    return box["result"]  # type: ignore[no-any-return]


def _stop(worker: threading.Thread, lock: threading.Lock, box: dict[str, Any]) -> None:
    """Ask the worker to stop (an exception raised in it), again and again: code it runs may
    catch one (rdflib has bare ``except:`` clauses), and native code only sees it on its
    return. Given up after a minute."""
    for _ in range(600):
        with lock:
            if box.get("finished") or not worker.is_alive() or worker.ident is None:
                return
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(worker.ident), ctypes.py_object(_Cancelled)
            )
        time.sleep(0.1)


def take_rows(rows: Iterable[T], limit: int | None, where: Where) -> list[T]:
    """The rows, or a DataError if there are more than ``limit`` (None: no limit)."""
    taken: list[T] = []
    for row in rows:
        if limit is not None and len(taken) >= limit:
            raise DataError(
                f"the query gives more than {limit:,} rows; add a LIMIT, or allow more with "
                "--max-rows N (max_rows= in the Python API)",
                Location(where),
            )
        taken.append(row)
    return taken


R = TypeVar("R", Rows, bool, Graph)


def _expect(result: Result, kind: type[R], what: str, where: Where) -> R:
    """``result`` if it is of the form the caller asked for, else a usage error."""
    if not isinstance(result, kind):
        raise UsageError(f"expected {what} query", Location(where))
    return result


class Engine(ABC):
    """Runs read-only SPARQL queries; see the module docstring for what every engine shares."""

    name: str
    lookup: GraphLike | None
    """The graph that resolves labels and ids of parameters and output (None: IRIs only)."""
    timeout: float | None = DEFAULT_TIMEOUT
    """Seconds a query may run (None: no limit)."""
    max_rows: int | None = DEFAULT_MAX_ROWS
    """Rows a SELECT query may return (None: no limit)."""
    allow_service: bool = False
    """Whether a federated query (SERVICE) may run."""
    is_remote = False
    grace = 0.0
    """Seconds added to the timeout before the worker is abandoned (a remote engine's own
    HTTP read timeout reports first)."""

    def query(
        self,
        text: str,
        bindings: Bindings | None = None,
        where: Where = "<query>",
        *,
        allow_service: bool | None = None,
        timeout: float | None = None,
    ) -> Result:
        """SELECT gives Rows, ASK a bool, CONSTRUCT and DESCRIBE a Graph. ``allow_service``
        and ``timeout`` (seconds) override the engine's own settings for this query."""
        form = query_form(text)
        if form == "UPDATE" or any(query_form(r) == "UPDATE" for r in readings(text)):
            raise UsageError("update queries are refused: kg only reads the graph", Location(where))
        self.refuse(text, where, self.allow_service if allow_service is None else allow_service)
        bound = dict(bindings or {})
        seconds = (self.timeout if timeout is None else timeout) or None

        def work() -> Result:
            _this_query.timeout = seconds  # the worker runs this one query
            return self._run(text, bound, where, form or "SELECT")

        result = run_limited(work, seconds and seconds + self.grace, where, seconds)
        if isinstance(result, Rows) and not has_order_by(text):
            result.rows.sort(key=lambda row: tuple("" if t is None else t.n3() for t in row))
        return result

    def refuse(self, text: str, where: Where, allow_service: bool) -> None:
        """Refuse what would make the engine send requests nobody asked for."""
        found = find_keywords(text, _DATASET)
        if found is not None:
            raise UsageError(
                "FROM and FROM NAMED are refused: kg queries the built graph as it is, and the "
                "engines read a dataset clause differently (rdflib may fetch its IRI from the "
                "web); read a named graph with GRAPH <iri> { ... }",
                _located(where, found.line, found.column),
            )
        if allow_service:
            return
        found = find_keywords(text, _SERVICE)
        if found is not None:
            who = "the endpoint" if self.is_remote else "the engine"
            allow = (
                "with --allow-service kg sends the query and the endpoint decides"
                if self.is_remote
                else "allow it with --allow-service"
            )
            raise UsageError(
                f"SERVICE is refused: a federated query makes {who} send requests to other "
                f"servers; {allow} (allow_service=True in the Python API)",
                _located(where, found.line, found.column),
            )

    def select(
        self,
        text: str,
        bindings: Bindings | None = None,
        where: Where = "<query>",
        **options: Any,
    ) -> Rows:
        """See ``query``; ``options``: ``allow_service``, ``timeout``."""
        return _expect(self.query(text, bindings, where, **options), Rows, "a SELECT", where)

    def ask(
        self,
        text: str,
        bindings: Bindings | None = None,
        where: Where = "<query>",
        **options: Any,
    ) -> bool:
        """See ``query``; ``options``: ``allow_service``, ``timeout``."""
        return _expect(self.query(text, bindings, where, **options), bool, "an ASK", where)

    def construct(
        self,
        text: str,
        bindings: Bindings | None = None,
        where: Where = "<query>",
        **options: Any,
    ) -> Graph:
        """A CONSTRUCT or DESCRIBE query's graph; ``options`` as for ``select``."""
        result = self.query(text, bindings, where, **options)
        return _expect(result, Graph, "a CONSTRUCT or DESCRIBE", where)

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
        return DataError(f"SPARQL syntax error: {visible(message)}", Location(where))
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
    return DataError(
        f"SPARQL syntax error: {visible(message)}", Location(where, line, column=column)
    )


class OxigraphEngine(Engine):
    """The embedded engine: a pyoxigraph store (by default queried on its default graph; with
    ``union``, on the union of its named graphs)."""

    name = "oxigraph"

    def __init__(self, store: ox.Store, union: bool = False, memory_of: Path | None = None) -> None:
        self.store = store
        self.union = union
        self.lookup = StoreGraph(store)
        self.memory_of = memory_of
        """The N-Triples of ``store`` (an on-disk store): each query then also runs on them
        loaded into memory, and the first answer is taken (``_race``)."""

    @classmethod
    def load(cls, path: Path, memory: bool = True) -> OxigraphEngine:
        """The built graph (``build/kg.nt``) loaded into an in-memory store; without
        ``memory``, the build's on-disk store beside it opened read-only (in milliseconds, where
        loading takes seconds; queries run slower on it: see docs/performance.md), when
        there is one."""
        _check_built(path)
        beside = kgstore.beside(path)
        if beside is not None and not memory:
            try:
                return cls(kgstore.open_read_only(beside), memory_of=path)
            except OSError as e:
                raise DataError(f"cannot open the built store: {e}", Location(beside)) from None
        return cls(cls._loaded(path, built=beside is not None))

    @staticmethod
    def _loaded(path: Path, built: bool = False) -> ox.Store:
        """``path`` loaded into memory; ``built``: a graph a build wrote (the one its store
        was made of), loaded without checking every IRI again (``lenient``: 20 % faster)."""
        store = ox.Store()
        try:
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES, lenient=built)
        except SyntaxError as e:  # at a line and column: a Turtle file, say, for N-Triples
            reason = re.sub(r"^Parser error at line \d+ between columns \d+ and \d+: ", "", e.msg)
            raise DataError(
                f"cannot load the graph: {reason[:1].lower()}{reason[1:]} (--graph takes "
                "N-Triples, such as build/kg.nt)",
                Location(path, e.lineno, column=e.offset),
            ) from None
        except (ValueError, OSError) as e:
            raise DataError(f"cannot load the built graph: {e}", Location(path)) from None
        return store

    def solutions(
        self, text: str, bindings: Bindings, store: ox.Store | None = None
    ) -> tuple[Any, set[str]]:
        """pyoxigraph's own answer (lazy solutions, a QueryBoolean or QueryTriples) and the
        names of the columns added to carry parameters (to hide from the rows).

        Parameters are written into the text as constants (``sparqltext.inlined``: the
        planner then looks them up), else substituted by pyoxigraph (which wants them
        projected; an order of magnitude faster than a VALUES block on large graphs), else,
        for a query that cannot take them there, given as a VALUES block.
        """
        options: dict[str, Any] = {"prefixes": PREFIXES, "use_default_graph_as_union": self.union}
        store = self.store if store is None else store
        if bindings:
            written = inlined(text, bindings)
            if written is not None:
                try:
                    return store.query(written, **options), set()
                except SyntaxError:
                    pass  # a term where the grammar wants a variable or an IRI: substituted
            extended = projecting(text, sorted(str(v) for v in bindings))
            if extended is not None:
                substitutions: dict[ox.Variable, Any] = {
                    ox.Variable(str(v)): to_ox(t) for v, t in bindings.items()
                }
                try:
                    result = store.query(extended[0], substitutions=substitutions, **options)
                    return result, set(extended[1])
                except SyntaxError:
                    pass
            try:
                return store.query(with_values(text, bindings), **options), set()
            except SyntaxError as e:
                store.query(text, **options)  # the error of the text as written, if any
                raise UsageError(f"cannot bind parameters: {e}") from None
        return store.query(text, **options), set()

    def _run(self, text: str, bindings: dict[Variable, Any], where: Where, form: str) -> Result:
        if self.memory_of is not None and find_keywords(text, _SERVICE) is None:
            # (a federated query runs once: its requests are sent once)
            return self._race(text, bindings, where, form, self.memory_of)
        return self._answer(self.store, text, bindings, where)

    def _race(
        self, text: str, bindings: dict[Variable, Any], where: Where, form: str, nt: Path
    ) -> Result:
        """The first answer of the on-disk store and of ``nt`` loaded into memory, each in a
        thread: the on-disk store is opened at once but answers a query that reads many
        triples or gives many rows several times slower than memory, where loading takes
        seconds (docs/performance.md). The load starts only when the store has not answered
        within ``HEDGE`` seconds, so that it does not take a core from a query the store
        answers at once; the other thread is left to end with the process."""
        answers: queue.Queue[tuple[Result | None, BaseException | None]] = queue.Queue()

        def answer(store: ox.Store) -> None:
            try:
                answers.put((self._answer(store, text, bindings, where), None))
            except KgError as e:  # the query's own error, from whichever thread
                # without its traceback, whose frames hold pyoxigraph objects that must be
                # dropped in this thread
                e.__context__ = e.__cause__ = None
                answers.put((None, e.with_traceback(None)))
            except BaseException as e:
                answers.put((None, e))

        def in_memory() -> None:
            try:
                store = self._loaded(nt, built=True)
            except KgError:
                return  # the on-disk store answers
            answer(store)

        threading.Thread(target=answer, args=(self.store,), name="kg-disk", daemon=True).start()
        started = time.monotonic()
        loading = False
        while True:  # in Python code, so that a timeout's request to stop lands here
            try:
                result, error = answers.get(timeout=0.05)
                break
            except queue.Empty:
                if not loading and time.monotonic() - started >= HEDGE:
                    threading.Thread(target=in_memory, name="kg-memory", daemon=True).start()
                    loading = True
        if error is not None:
            raise error
        assert result is not None
        return result

    def _answer(
        self, store: ox.Store, text: str, bindings: dict[Variable, Any], where: Where
    ) -> Result:
        try:
            result, hidden = self.solutions(text, bindings, store)
            if isinstance(result, ox.QueryBoolean):
                return bool(result)
            if isinstance(result, ox.QueryTriples):
                g = new_graph()
                for t in result:
                    g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))  # type: ignore[arg-type]
                return g
            variables = [v.value for v in result.variables if v.value not in hidden]
            solutions = (tuple(solution[v] for v in variables) for solution in result)
            cells = take_rows(solutions, self.max_rows, where)
        except SyntaxError as e:
            raise oxigraph_syntax_error(e, text, where) from None
        except (OSError, ValueError) as e:  # an evaluation error, e.g. a failed SERVICE call
            raise DataError(
                f"SPARQL error (pyoxigraph): {visible(str(e))}", Location(where)
            ) from None
        return Rows(variables, cells=cells)


# --- rdflib -----------------------------------------------------------------------------------


def rdflib_syntax_error(error: ParseException, where: Where) -> DataError:
    return DataError(
        f"SPARQL syntax error: {visible(error.msg)}",
        Location(where, error.lineno, column=error.col),
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
        from pyparsing import ParseException  # rdflib's SPARQL parser: only when used
        from rdflib.plugins.sparql import prepareQuery

        try:
            prepared = prepareQuery(text, initNs=PREFIXES)
        except ParseException as e:
            raise rdflib_syntax_error(e, where) from None
        except Exception as e:  # rdflib raises plain Exceptions for some semantic errors
            raise DataError(f"SPARQL error (rdflib): {visible(str(e))}", Location(where)) from None
        result = self.graph.query(prepared, initBindings=bindings)  # type: ignore[arg-type]
        if result.type == "ASK":
            return bool(result.askAnswer)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            out = new_graph()
            for triple in result:
                out.add(triple)  # type: ignore[arg-type]
            return out
        variables = [str(v) for v in (result.vars or [])]
        rows = take_rows((tuple(row) for row in result), self.max_rows, where)  # type: ignore[arg-type]
        return Rows(variables, rows)  # type: ignore[arg-type]


# --- a SPARQL 1.1 endpoint --------------------------------------------------------------------


class RemoteEngine(Engine):
    """A SPARQL 1.1 Protocol endpoint (see ``kg.remote``). The query is checked by rdflib's
    parser first, so that a syntax error is reported at the line and column of the text as
    written; then the project's prefixes it does not declare are added, and the parameters
    written into the text (``sparqltext.inlined``: a server plans with the constants), or
    where that would change the query's meaning, as a VALUES block."""

    name = "endpoint"
    is_remote = True

    def __init__(self, endpoint: str, lookup: GraphLike | None = None) -> None:
        from . import remote  # requests: only for an endpoint

        self.grace = remote.TIMEOUT[0]
        self.endpoint = endpoint
        self.lookup = lookup
        self.session = remote.session()

    def _run(self, text: str, bindings: dict[Variable, Any], where: Where, form: str) -> Result:
        from pyparsing import ParseException
        from rdflib.plugins.sparql.parser import parseQuery

        from . import remote

        try:
            parseQuery(text)
        except ParseException as e:
            raise rdflib_syntax_error(e, where) from None
        written = inlined(text, bindings) if bindings else None
        sent = with_prefixes(written or with_values(text, bindings), PREFIXES)
        seconds = getattr(_this_query, "timeout", self.timeout)
        response = remote.send_query(self.session, self.endpoint, sent, form, seconds)
        answer = remote.read_answer(response, form, self.endpoint)
        if isinstance(answer, Rows):
            return Rows(answer.variables, take_rows(answer.rows, self.max_rows, where))
        return answer

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
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    allow_service: bool = False,
    memory: bool = True,
) -> Engine:
    """The engine to query: ``endpoint`` if given (the built graph, when present, still
    resolves labels and ids), else the built ``graph`` loaded into ``kind``. ``timeout``
    (seconds) and ``max_rows`` bound every query (None: no limit); ``allow_service`` lets
    federated queries (SERVICE) run. Without ``memory``, pyoxigraph queries the build's
    on-disk store (``OxigraphEngine.load``)."""
    eng: Engine
    if endpoint is not None:
        lookup = OxigraphEngine.load(graph, memory=False).lookup if graph.is_file() else None
        eng = RemoteEngine(endpoint, lookup)
    elif kind == "rdflib":
        eng = RdflibEngine.load(graph)
    elif kind == "oxigraph":
        eng = OxigraphEngine.load(graph, memory)
    else:
        raise UsageError(f"unknown engine {kind!r}; engines: " + ", ".join(ENGINES))
    eng.timeout, eng.max_rows, eng.allow_service = timeout or None, max_rows or None, allow_service
    return eng
