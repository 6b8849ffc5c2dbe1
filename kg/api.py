"""The Python API: a newskg project for notebooks and scripts; the ``kg`` CLI is its client.

import kg
project = kg.open(".")
project.build()
project.query("timeline", from_="2019-12-01").rows    # list of dicts of Python values
project.sparql("SELECT ?a WHERE { ?a a nkg:Article }").to_pandas()
project.export("turtle")                              # bytes
project.export_chunks("nquads")                       # the same, in pieces to stream
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef

from . import queries as q
from .choices import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, Validator
from .engine import Engine
from .engine import open as open_engine
from .errors import UsageError
from .results import Rows, Term

if TYPE_CHECKING:
    from .build import Built

Value = str | int | bool | Decimal | float | dt.date | dt.datetime | None
"""A cell as a Python value: IRIs and blank nodes as strings, literals by their datatype
(xsd:integer an int, xsd:date a date, ...), dates less precise than a day (2020-01) as their
text, so their precision is kept."""


def python_value(term: Term) -> Value:
    if term is None:
        return None
    if isinstance(term, URIRef | BNode):
        return str(term)
    value = term.toPython()
    if isinstance(value, Literal | URIRef):  # a datatype Python has no type for
        return str(value)
    return value  # type: ignore[no-any-return]


@dataclass
class Result:
    """The rows of a SELECT query: ``variables`` and ``rows`` (one dict per row, in order),
    and the RDF terms they came from (``terms``)."""

    terms: Rows

    @property
    def variables(self) -> list[str]:
        return list(self.terms.variables)

    @property
    def rows(self) -> list[dict[str, Value]]:
        names = self.terms.variables
        return [
            {n: python_value(t) for n, t in zip(names, row, strict=True)} for row in self.terms.rows
        ]

    def __iter__(self) -> Iterator[dict[str, Value]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.terms.rows)

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (``pip install 'newskg[pandas]'``)."""
        try:
            import pandas as pd
        except ImportError:
            raise UsageError(
                "to_pandas() needs pandas: pip install 'newskg[pandas]' (or pip install pandas)"
            ) from None
        return pd.DataFrame(self.rows, columns=self.variables)


class Project:
    """A newskg checkout (or any folder laid out like one): its extraction files, ontology,
    stored queries, links file and build folder."""

    def __init__(
        self,
        root: Path | str = ".",
        *,
        extractions: Path | str | None = None,
        ontology: Path | str | None = None,
        queries: Path | str | None = None,
        out: Path | str | None = None,
        links: Path | str | None = None,
        sources: Path | str | None = None,
        graph: Path | str | None = None,
        engine: str = "oxigraph",
        endpoint: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_rows: int | None = DEFAULT_MAX_ROWS,
        allow_service: bool = False,
        memory: bool = True,
    ) -> None:
        base = Path(root)
        self.extractions = Path(extractions) if extractions else base / "extractions"
        self.ontology = Path(ontology) if ontology else base / "ontology"
        self.queries = Path(queries) if queries else base / "queries"
        self.out = Path(out) if out else base / "build"
        self.links = Path(links) if links else None
        self.sources = Path(sources) if sources else None
        self.graph = Path(graph) if graph else self.out / "kg.nt"
        self.engine_kind = engine
        self.endpoint = endpoint
        self.timeout = timeout
        """Seconds a query may run (None: no limit); a longer one is a DataError."""
        self.max_rows = max_rows
        """Rows a SELECT query may return (None: no limit); more is a DataError."""
        self.allow_service = allow_service
        """Whether federated queries (SERVICE) may run; refused (a UsageError) if not."""
        self.memory = memory
        """Whether pyoxigraph loads the built graph into memory (faster queries: for a
        session of several) or opens the build's on-disk store (opened in milliseconds: for
        one query); see docs/performance.md."""
        self._engine: tuple[str, Engine] | None = None

    def links_file(self) -> Path | None:
        """The links file to build with: the one given, else ``links/wikidata.csv`` beside
        the extractions folder if it exists."""
        from .links import default_links  # the build's modules: imported when used

        if self.links is not None:
            return self.links
        default = default_links(self.extractions)
        return default if default.is_file() else None

    def sources_dir(self) -> Path | None:
        """The source texts to check quotes against: the folder given, else the one the
        current build of these extraction files in ``out`` used (so an export or a push
        gives what was built)."""
        from .build import built_with_sources

        if self.sources is not None:
            return self.sources
        return built_with_sources(self.out, self.extractions)

    def build(
        self,
        validator: Validator = Validator.FAST,
        write: bool = True,
        on_wait: Callable[[str], None] | None = None,
        same_sources: bool = False,
    ) -> Built:
        """Build (``kg build``; ``write=False`` is ``kg validate``); raise
        ``kg.errors.ValidationFailed`` with every located problem. With ``same_sources``
        and no sources given, check quotes against the sources the current build used."""
        from .build import build

        return build(
            self.extractions,
            self.ontology,
            self.out,
            self.sources_dir() if same_sources else self.sources,
            self.links_file(),
            validator=validator,
            write=write,
            on_wait=on_wait,
        )

    def validate(self, validator: Validator = Validator.FAST) -> Built:
        """``kg validate``: the build's checks (with the current build's sources), writing
        nothing."""
        return self.build(validator, write=False, same_sources=True)

    def export(self, fmt: str = "turtle") -> bytes:
        """The whole dataset in ``fmt`` (a key of ``kg.export.FORMATS``), built first (with
        the current build's sources, so the quote offsets it recorded are kept)."""
        from .export import serialize

        return serialize(self.build(same_sources=True), fmt)

    def export_chunks(self, fmt: str = "turtle") -> Iterator[bytes]:
        """``export`` in pieces (about one extraction file each), to write one after the
        other without holding the whole export: what ``kg export`` writes. The build runs
        (and fails, if it does) before the first piece."""
        from .export import chunks
        from .fsutil import pieces

        built = self.build(same_sources=True)
        return (piece for chunk in chunks(built, fmt) for piece in pieces(chunk))

    def stored_queries(self) -> dict[str, q.StoredQuery]:
        return q.stored_queries(self.queries)

    def query(self, name: str, **params: Any) -> Result:
        """Run the stored query ``name`` on the built graph. Parameters by name; a trailing
        underscore is dropped (``from_=`` for ``from``); dates and numbers may be given as
        Python values."""
        sq = q.find(self.queries, name)
        values = {key.removesuffix("_"): _text(value) for key, value in params.items()}
        eng = self.engine()
        return Result(eng.select(sq.text, q.bind(sq, values, eng.lookup), str(sq.path)))

    def sparql(
        self, text: str, *, allow_service: bool | None = None, timeout: float | None = None
    ) -> Result | bool | Graph:
        """Run an ad-hoc query (the project's prefixes predefined) on the built graph: rows
        for SELECT, a bool for ASK, an rdflib graph for CONSTRUCT and DESCRIBE.
        ``allow_service`` and ``timeout`` override the project's settings for this query."""
        result = self.engine().query(
            text, {}, "<query>", allow_service=allow_service, timeout=timeout
        )
        return Result(result) if isinstance(result, Rows) else result

    def engine(self) -> Engine:
        """The engine that answers queries (``kg.engine``): the built graph in the embedded
        engine, loaded once per build, or the remote endpoint."""
        version = str(self.graph.resolve()) if self.graph.exists() else ""
        if self._engine is None or self._engine[0] != version:
            if self._engine is not None:
                self._engine[1].close()
            eng = open_engine(
                self.engine_kind,
                self.graph,
                self.endpoint,
                timeout=self.timeout,
                max_rows=self.max_rows,
                allow_service=self.allow_service,
                memory=self.memory,
            )
            self._engine = (version, eng)
        return self._engine[1]


def _text(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        raise UsageError(f"a parameter cannot be a boolean: {value!r}")
    return str(value)


def open(root: Path | str = ".", **paths: Any) -> Project:
    """The project in ``root``; folders may be given one by one (see ``Project``)."""
    return Project(root, **paths)
