"""The ``kg`` command line: a thin layer over the library.

Every command belongs to a ``KgGroup``, which turns what the library raises into a message on
stderr and an exit code, so that no command can forget to. Exit codes: 0 ok; 1 data or
validation failure, or a remote service failed (``KgError``); 2 usage error (bad option,
unknown query or parameter, refused query: ``UsageError``); 3 a bug in kg (any other exception,
with its traceback); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from . import __version__, choices
from .choices import EXPORT_FORMATS, Validator
from .choices import RESULT_FORMATS as FORMATS
from .errors import KgError, Location, UsageError, ValidationFailed
from .fsutil import Chunk, pieces, write_output


def lazy(name: str) -> ModuleType:
    """The module ``name``, imported when one of its attributes is first used (or the module
    itself, if it already is: never a second copy of it)."""
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)  # as an import does: kg.wikidata is there
    spec.loader.exec_module(module)
    return module


# The library is imported when a command first uses it, so each command (and `kg --version`)
# pays only for what it uses: rdflib and pyoxigraph alone take longer than the start-up
# allows. For the type checker, these are the modules themselves.
if TYPE_CHECKING:
    from . import api, docs, extraction, linking, remote, results, wikidata
    from . import draft as drafting
    from . import export as exporting
    from . import links as linkfile
    from . import ontology as onto
    from . import queries as q
    from . import verify as verifying
    from .build import Built
    from .results import GraphLike, Rows
else:
    api, docs, extraction, linking, remote, results, wikidata = (
        lazy(f"kg.{name}")
        for name in ("api", "docs", "extraction", "linking", "remote", "results", "wikidata")
    )
    exporting, linkfile = lazy("kg.export"), lazy("kg.links")
    onto, q = lazy("kg.ontology"), lazy("kg.queries")
    drafting, verifying = lazy("kg.draft"), lazy("kg.verify")

F = TypeVar("F", bound=Callable[..., Any])
E = TypeVar("E", bound=StrEnum)

BUG = 3  # exit code of an exception that is not a KgError: a bug in kg
INTERRUPTED = 130  # exit code after Ctrl-C (128 + SIGINT, as shells do)
BUG_REPORT = "This is a bug in kg, not in your input; please report it with the traceback above."


class KgGroup(click.Group):
    """A command group whose commands' errors become a message and an exit code.

    A ``KgError`` prints its located message and exits with its ``exit_code``; Ctrl-C prints
    "interrupted" and exits with ``INTERRUPTED``; a closed stdout (``kg ... | head``) ends
    quietly; any other exception is a bug: its traceback, ``BUG_REPORT`` and exit ``BUG``.
    Subgroups (``kg query``) are KgGroups too.
    """

    group_class = type

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KgError as e:  # control characters from the input shown, not obeyed
            click.echo("\n".join(results.visible(line) for line in str(e).split("\n")), err=True)
            ctx.exit(e.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(INTERRUPTED)
        except BrokenPipeError:
            ctx.exit(0)
        except Exception:
            traceback.print_exc()
            click.echo(BUG_REPORT, err=True)
            ctx.exit(BUG)


class ValueChoice(click.Choice[E]):
    """A choice of an enum's members, written as their values (``pyshacl``, not ``PYSHACL``)."""

    def __init__(self, kind: type[E]) -> None:
        super().__init__(list(kind))

    def normalize_choice(self, choice: object, ctx: click.Context | None) -> str:
        return super().normalize_choice(str(choice), ctx)


def described(formats: Mapping[str, str]) -> str:
    """``name (description), ...`` of formats (``kg.choices``), for --help."""
    return ", ".join(f"{name} ({description})" for name, description in formats.items())


extractions_option = click.option(
    "--extractions",
    "-e",
    type=click.Path(path_type=Path),
    default=Path("extractions"),
    show_default=True,
    help="Folder of extraction files (*.yaml).",
)
ontology_option = click.option(
    "--ontology",
    type=click.Path(path_type=Path),
    default=Path("ontology"),
    show_default=True,
    help="Folder holding ontology.ttl and shapes.ttl.",
)


def out_option(help: str, short: bool = True) -> Callable[[F], F]:
    return click.option(
        "--out",
        *(["-o"] if short else []),
        type=click.Path(path_type=Path),
        default=Path("build"),
        show_default=True,
        help=help,
    )


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """newskg: a knowledge graph of what news articles claim.

    Builds the graph from the curated extraction files, validates it against the SHACL shapes,
    and answers the stored SPARQL queries. Paths default to the folders of a newskg checkout,
    relative to the current directory.

    Exit codes: 0 ok, 1 data or validation failure or a failed service, 2 usage error, 3 a bug
    in kg (with a traceback), 130 interrupted.
    """


sources_option = click.option(
    "--sources",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of the articles' source texts: check every evidence quote against them "
    "(and record the quotes' offsets in the graph) [default: none for build; for validate, "
    "export and push, the folder the current build in OUT used].",
)


links_option = click.option(
    "--links",
    type=click.Path(path_type=Path),
    default=None,
    help="Reviewed Wikidata links (CSV): every accepted link becomes skos:exactMatch "
    "[default: links/wikidata.csv beside the extractions folder, if it exists].",
)


def cache_option(help: str) -> Callable[[F], F]:
    """``--cache DIR``: the folder of cached Wikidata answers (``kg link`` writes it)."""
    return click.option(
        "--cache",
        "cache_dir",
        type=click.Path(path_type=Path),
        default=choices.WIKIDATA_CACHE_DIR,
        show_default=True,
        help=help,
    )


validator_option = click.option(
    "--validator",
    type=ValueChoice(Validator),
    default=Validator.FAST.value,
    show_default=True,
    help="SHACL validator: fast (shapes compiled to SPARQL on pyoxigraph) or pyshacl (the "
    "reference implementation, much slower on large graphs); both give the same verdict.",
)


@cli.command()
@extractions_option
@ontology_option
@out_option("Folder the graph is written to (and its cache, OUT/.cache).")
@sources_option
@validator_option
@links_option
def build(
    extractions: Path,
    ontology: Path,
    out: Path,
    sources: Path | None,
    validator: Validator,
    links: Path | None,
) -> None:
    """Convert every extraction file, validate, and write the graph.

    Writes OUT/kg.ttl (Turtle) and OUT/kg.nt (N-Triples), both together or neither: on any
    error nothing is written and the previous output stays as it was. Files that did not
    change come from the cache. Every problem is reported on stderr as
    `path:line: field: message`.
    """
    r = _build(extractions, ontology, out, sources, validator, links, same_sources=False)
    checked = "validated as a whole" if r.full_validation else f"{r.revalidated} validated again"
    click.echo(
        f"built {r.triples:,} triples from {r.articles} article(s) in {r.files} file(s) "
        f"({r.reparsed} read, {r.files - r.reparsed} from the cache; {checked}): "
        + ", ".join(str(p) for p in r.outputs),
        err=True,
    )


def _build(
    extractions: Path,
    ontology: Path,
    out: Path,
    sources: Path | None,
    validator: Validator = Validator.FAST,
    links: Path | None = None,
    write: bool = True,
    same_sources: bool = True,
) -> Built:
    """The build; unless it is ``kg build`` itself, without --sources it checks quotes
    against the sources the current build in OUT used, so it gives what was built."""
    project = api.Project(
        extractions=extractions, ontology=ontology, out=out, sources=sources, links=links
    )
    return project.build(
        validator, write, lambda message: click.echo(message, err=True), same_sources
    )


@cli.command()
@extractions_option
@ontology_option
@out_option("Build folder whose cache spares re-reading unchanged files; kept as is.")
@sources_option
@validator_option
@links_option
def validate(
    extractions: Path,
    ontology: Path,
    out: Path,
    sources: Path | None,
    validator: Validator,
    links: Path | None,
) -> None:
    """Check the extraction files and the SHACL shapes without writing anything."""
    r = _build(extractions, ontology, out, sources, validator, links, write=False)
    click.echo(f"ok: {r.files} file(s), {r.triples:,} triples conform", err=True)


graph_option = click.option(
    "--graph",
    "graph_path",
    type=click.Path(path_type=Path),
    default=Path("build/kg.nt"),
    show_default=True,
    help="The built graph the embedded engine queries.",
)
format_option = click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default=None,
    help=f"Output format for SELECT results: {described(FORMATS)} "
    "[default: table on a terminal, else csv].",
)
queries_option = click.option(
    "--queries",
    "queries_dir",
    type=click.Path(path_type=Path),
    default=Path("queries"),
    show_default=True,
    help="Folder of stored queries (*.rq).",
)


engine_option = click.option(
    "--engine",
    "engine_name",
    type=ValueChoice(choices.Kind),
    default=choices.Kind.OXIGRAPH.value,
    show_default=True,
    help="Embedded engine: oxigraph (pyoxigraph, fast) or rdflib (the reference, slow on "
    "large graphs). Both give the same rows; tests compare them on every stored query.",
)
endpoint_option = click.option(
    "--endpoint",
    default=None,
    metavar="URL",
    help="Query this SPARQL 1.1 endpoint (e.g. http://127.0.0.1:7878/query) instead of the "
    "embedded engine; the project's prefixes are declared for it. Credentials: "
    "KG_ENDPOINT_TOKEN, or KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (Digest or Basic, as "
    "the server asks).",
)


timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=choices.DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Stop the query after this many seconds (exit 1); 0 for no limit. With --endpoint, "
    "also how long to wait for the server's answer.",
)
max_rows_option = click.option(
    "--max-rows",
    type=click.IntRange(min=0),
    default=choices.DEFAULT_MAX_ROWS,
    show_default=True,
    metavar="N",
    help="A SELECT query giving more rows than this is an error (exit 1), not a cut; 0 for "
    "no limit.",
)
allow_service_option = click.option(
    "--allow-service",
    is_flag=True,
    help="Let a federated query (SERVICE) run: the engine, or with --endpoint the server, "
    "then sends requests to the servers it names. Refused without this flag.",
)


def _params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"parameter {item!r}: write -p name=value")
        if name.strip() in params:
            raise UsageError(f"parameter {name.strip()!r} is given twice")
        params[name.strip()] = value
    return params


def _output(result: Rows | bool | object, fmt: str | None, graph: GraphLike | None) -> None:
    from rdflib import Graph

    # color=True: click would strip escape sequences from data written to a file or pipe;
    # the formats for people (table, markdown) show control characters escaped instead
    if isinstance(result, bool):
        click.echo("true" if result else "false")
    elif isinstance(result, Graph):
        click.echo(result.serialize(format="turtle"), nl=False, color=True)
    elif isinstance(result, results.Rows):
        chosen = fmt or ("table" if sys.stdout.isatty() else "csv")
        click.echo(results.render(result, chosen, graph), nl=False, color=True)


@cli.group()
def query() -> None:
    """List, show and run the stored SPARQL queries in queries/."""


@query.command("list")
@queries_option
def query_list(queries_dir: Path) -> None:
    """Show every stored query with its title and parameters."""
    for sq in q.stored_queries(queries_dir).values():
        click.echo(f"{sq.name}: {sq.title}")
        for p in sq.params:
            default = "" if p.default is None else f" = {p.default}" if p.default else " (optional)"
            click.echo(f"    -p {p.name}=<{p.type}>{default}  {p.help}")
        if sq.examples:
            example = " ".join(f"-p {n}={v}" for n, v in sq.examples.items())
            click.echo(f"    example: kg query run {sq.name} {example}")


@query.command("show")
@click.argument("name")
@queries_option
def query_show(name: str, queries_dir: Path) -> None:
    """Print the stored query NAME."""
    click.echo(q.find(queries_dir, name).text, nl=False)


@query.command("run")
@click.argument("name")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter value; an IRI parameter also takes a curated id or a label.",
)
@format_option
@graph_option
@queries_option
@engine_option
@endpoint_option
@timeout_option
@max_rows_option
@allow_service_option
def query_run(
    name: str,
    params: tuple[str, ...],
    fmt: str | None,
    graph_path: Path,
    queries_dir: Path,
    engine_name: str,
    endpoint: str | None,
    timeout: float,
    max_rows: int,
    allow_service: bool,
) -> None:
    """Run the stored query NAME on the built graph (embedded engine, no server).

    With --endpoint, run it on a SPARQL 1.1 endpoint instead; the built graph, when present,
    still resolves labels in parameters and output.
    """
    sq = q.find(queries_dir, name)
    limits = Limits(timeout, max_rows, allow_service)
    _run(sq.text, str(sq.path), _params(params), sq, fmt, graph_path, endpoint, engine_name, limits)


class Limits:
    """What --timeout, --max-rows and --allow-service ask for."""

    def __init__(self, timeout: float, max_rows: int, allow_service: bool) -> None:
        self.timeout, self.max_rows, self.allow_service = timeout, max_rows, allow_service


def _run(
    text: str,
    where: str,
    params: dict[str, str],
    sq: q.StoredQuery | None,
    fmt: str | None,
    graph_path: Path,
    endpoint: str | None,
    engine_name: str,
    limits: Limits,
) -> None:
    project = api.Project(
        graph=graph_path,
        engine=engine_name,
        endpoint=endpoint,
        timeout=limits.timeout or None,
        max_rows=limits.max_rows or None,
        allow_service=limits.allow_service,
        memory=False,  # one query: the build's on-disk store, opened in milliseconds
    )
    with project.engine() as eng:
        bindings = q.bind(sq, params, eng.lookup) if sq is not None else {}
        result = eng.query(text, bindings, where)
        _output(result, fmt, eng.lookup)


@cli.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@format_option
@graph_option
@engine_option
@endpoint_option
@timeout_option
@max_rows_option
@allow_service_option
def sparql(
    file: TextIO,
    fmt: str | None,
    graph_path: Path,
    engine_name: str,
    endpoint: str | None,
    timeout: float,
    max_rows: int,
    allow_service: bool,
) -> None:
    """Run an ad-hoc SPARQL query from FILE (or - for stdin) on the built graph.

    The project's prefixes (nkg:, actor:, event:, et:, role:, ...) are predefined.
    Update queries are refused, and so are dataset clauses (FROM, FROM NAMED) and, unless
    --allow-service, federated queries (SERVICE): kg sends no request you did not ask for.
    """
    text = file.read()
    name = getattr(file, "name", "-")
    shown = "<stdin>" if name in ("-", "<stdin>") else name
    limits = Limits(timeout, max_rows, allow_service)
    _run(text, shown, {}, None, fmt, graph_path, endpoint, engine_name, limits)


@cli.command()
@click.argument("scheme", required=False, type=click.Choice(sorted(choices.SCHEME_NAMES)))
@ontology_option
def vocab(scheme: str | None, ontology: Path) -> None:
    """List the controlled values extraction files may use (all schemes, or one)."""
    vocabulary = onto.vocabulary(onto.load("ontology.ttl", ontology))
    for name, slugs in vocabulary.items():
        if scheme in (None, name):
            click.echo(f"{name}: {', '.join(slugs)}")


@cli.command()
@click.option(
    "--sources",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder holding the articles' source texts (named by each source_file).",
)
@extractions_option
@ontology_option
def verify(sources: Path, extractions: Path, ontology: Path) -> None:
    """Check what the extraction files claim is in each article against its source text.

    An evidence quote must occur exactly once in the text, after normalising only whitespace
    and typographic quote marks; the words of a quote statement, every spelling, role, title,
    date and period text must occur in it; a figure's number must be in its evidence (in
    digits or words) unless marked inferred. Each problem is reported as `path:line: field:
    message`, with exit code 1. Use `kg build --sources` to record the quotes' offsets.
    """
    vocabulary = onto.vocabulary(onto.load("ontology.ttl", ontology))
    corpus = extraction.load_corpus(extractions, vocabulary)
    _, errors, checked = verifying.verify(corpus, sources)
    if errors:
        raise ValidationFailed(errors)
    click.echo(
        f"ok: {checked} quote(s) in {len(corpus.articles())} article(s) found in {sources}",
        err=True,
    )


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@extractions_option
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, allow_dash=True),
    default=None,
    help="Where to write the draft ('-': standard output) [default: EXTRACTIONS/ID.yaml, "
    "never over an existing file].",
)
@click.option(
    "--id",
    "article_id",
    default=None,
    help="The new article's id (a slug) [default: from the title and date].",
)
@ontology_option
@click.option(
    "--links",
    type=click.Path(path_type=Path),
    default=None,
    help="Reviewed Wikidata links: the accepted items' labels and aliases in the cache are "
    "spellings too [default: links/wikidata.csv beside the extractions folder, if it exists].",
)
@cache_option("Folder of cached Wikidata answers (kg link's); read only, no request is made.")
def draft(
    source: Path,
    extractions: Path,
    out: Path | None,
    article_id: str | None,
    ontology: Path,
    links: Path | None,
    cache_dir: Path,
) -> None:
    """Propose an extraction file for the source text SOURCE.

    Guesses the metadata, and proposes mentions of the entities the extraction folder knows
    (by any spelling, the Wikidata labels of linked entities in kg link's cache included),
    new entities, figures, quotes and claims, dates and event reports, each with an exact
    evidence quote and a `draft:` line saying what to check. `kg build` refuses the file
    while an entry keeps its `draft:` line (docs/curation.md). Warns when the text is
    already curated.
    """
    if article_id is not None:
        extraction.slug(article_id, Location(field="--id"))
    vocab = onto.vocabulary(onto.load("ontology.ttl", ontology))
    links = links if links is not None else linkfile.default_links(extractions)
    made = drafting.draft_source(source, extractions, vocab, article_id, links, cache_dir)
    for warning in made.warnings:
        click.echo(f"{source}: warning: {warning}", err=True)
    data = made.yaml(source.name).encode("utf-8")
    if out is not None and str(out) == "-":
        click.echo(data.decode("utf-8"), nl=False)
        return
    path = out if out is not None else extractions / f"{made.article_id}.yaml"
    write_output(path, data, new=out is None)
    counts = ", ".join(
        f"{len(getattr(made, k))} {k}" for k in ("mentions", "reports", "statements", "figures")
    )
    click.echo(f"wrote {path} ({counts}): review every entry marked draft", err=True)


@cli.command()
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(list(EXPORT_FORMATS)),
    default="turtle",
    show_default=True,
    help=f"RDF format of the export: {described(EXPORT_FORMATS)}.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (a regular file is replaced atomically; a symbolic link keeps "
    "pointing at its file; a device or FIFO is written to); - for stdout [default: stdout].",
)
@click.option(
    "--ontology-docs",
    is_flag=True,
    help="Instead of the graph, write the ontology's reference page (Markdown).",
)
@extractions_option
@ontology_option
@out_option(
    "Build folder: the graph is built there (through its cache) and exported from it.",
    short=False,
)
@sources_option
@links_option
def export(
    fmt: str,
    output: Path | None,
    ontology_docs: bool,
    extractions: Path,
    ontology: Path,
    out: Path,
    sources: Path | None,
    links: Path | None,
) -> None:
    """Build the graph (through the cache in OUT) and export it, byte for byte the same for
    the same input.

    turtle and nt and jsonld hold the whole dataset in one graph; trig and nquads keep one
    named graph per extraction file (what each article says), plus graphs for the ontology,
    the Wikidata links and the dataset description (DCAT / VoID). The creation date in the
    description is SOURCE_DATE_EPOCH if set, else today.
    """
    if ontology_docs:
        data = docs.ontology_markdown(onto.load("ontology.ttl", ontology)).encode("utf-8")
        parts: Iterator[Chunk] = iter([data])
    else:  # the build first (its errors before any output), then the export, streamed
        parts = exporting.chunks(_build(extractions, ontology, out, sources, links=links), fmt)
    size = 0

    def counted() -> Iterator[Chunk]:
        nonlocal size
        for part in parts:
            size += len(part)
            yield part

    if output is None or str(output) == "-":
        stream = sys.stdout.buffer
        for part in parts:
            for piece in pieces(part):
                stream.write(piece)
        stream.flush()
    else:
        write_output(output, counted())
        click.echo(f"wrote {output} ({size:,} bytes)", err=True)


@cli.command()
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="Graph Store Protocol URL of the store (Oxigraph: http://HOST:PORT/store).",
)
@click.option(
    "--update",
    "update_url",
    default=None,
    metavar="URL",
    help="The store's SPARQL 1.1 Update endpoint (Oxigraph: http://HOST:PORT/update): stage "
    "every graph, then move them all into place in one update request, so the push is all "
    "or nothing.",
)
@click.option(
    "--graph",
    "graph_iri",
    default=None,
    metavar="IRI",
    help="Load everything into this one named graph instead of one graph per file.",
)
@extractions_option
@ontology_option
@out_option(
    "Build folder: the graph is built there (through its cache) and pushed from it.", short=False
)
@sources_option
@links_option
def push(
    endpoint: str,
    update_url: str | None,
    graph_iri: str | None,
    extractions: Path,
    ontology: Path,
    out: Path,
    sources: Path | None,
    links: Path | None,
) -> None:
    """Build the graph and load it into a SPARQL 1.1 store (Graph Store HTTP Protocol).

    Each named graph kg owns (one per extraction file, the ontology, the Wikidata links, the
    dataset description; see `kg export -f trig`) is replaced with an HTTP PUT, and the
    graphs an earlier push made for files that no longer exist are deleted (the dataset
    description lists them): the store then holds exactly what OUT holds. Nothing else in
    the store is touched. With --update, the push is all or nothing (staged graphs moved into
    place in one update request); without it, a failure half-way says which graphs were
    replaced and which still hold the previous push. Credentials come from the environment
    only: KG_ENDPOINT_TOKEN (bearer), or KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (Digest or
    Basic, as the server asks).
    """
    graphs = exporting.graph_payloads(_build(extractions, ontology, out, sources, links=links))
    if graph_iri is not None:
        from rdflib import URIRef

        graphs = {URIRef(graph_iri): b"".join(graphs.values())}
    done = remote.push(endpoint, graphs, prune=graph_iri is None, update_url=update_url)
    removed = "".join(f"; removed <{name}>" for name in done.removed)
    click.echo(
        f"pushed {done.triples:,} triples in {len(done.replaced)} named graph(s) to "
        f"{endpoint}{removed}",
        err=True,
    )


@cli.command()
@click.option(
    "--api-url",
    default=choices.WIKIDATA_API_URL,
    show_default=True,
    metavar="URL",
    help="The MediaWiki API (api.php) of the Wikibase to search.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Use only the cache: an answer that is not cached is an error, and nothing is written.",
)
@cache_option("Folder of cached API answers (one JSON file per request, with a checksum).")
@click.option(
    "--links",
    type=click.Path(path_type=Path),
    default=None,
    help="The links file to update [default: links/wikidata.csv beside the extractions folder].",
)
@click.option(
    "--only",
    multiple=True,
    metavar="ID",
    help="Link only this actor or place (repeatable); the other rows stay as they are.",
)
@extractions_option
@ontology_option
def link(
    api_url: str,
    offline: bool,
    cache_dir: Path,
    links: Path | None,
    only: tuple[str, ...],
    extractions: Path,
    ontology: Path,
) -> None:
    """Find the Wikidata item of each actor and place, and update the links file.

    Searches every spelling the extraction files give, scores the candidates by name, type
    (instance of / subclass of) and description, accepts a single clear winner and proposes
    the rest for review. Rows a person decided (decided_by other than auto) are never
    changed, and a rejected item is never proposed again. Answers are cached, so a second
    run sends no requests. If the service stays unavailable, nothing is written.
    """
    vocabulary = onto.vocabulary(onto.load("ontology.ttl", ontology))
    corpus = extraction.load_corpus(extractions, vocabulary)
    path = links if links is not None else linkfile.default_links(extractions)
    job = linking.plan(corpus, path, only)
    client = wikidata.Client(api_url, cache_dir, offline=offline)
    with click.progressbar(length=len(job.work), label="linking", file=sys.stderr) as bar:
        report = linking.run(job, client, progress=bar.update)
    for row in report.stale:
        click.echo(
            f"{path}:{row.line}: entity: '{row.entity}' is in no extraction file "
            f"(kept: {row.decided_by}'s decision)",
            err=True,
        )
    stats, status = client.stats, linkfile.Status
    click.echo(
        f"{'wrote' if report.changed else 'unchanged:'} {path}: "
        f"{report.count(status.ACCEPTED)} accepted "
        f"({report.count(status.ACCEPTED, linkfile.AUTO)} auto), "
        f"{report.count(status.PROPOSED)} proposed, "
        f"{report.count(status.NO_MATCH)} no match, "
        f"{report.count(status.REJECTED)} rejected; {report.evaluated} entities looked up with "
        f"{stats.requests} request(s), {stats.cached} answer(s) from the cache",
        err=True,
    )


# --- the explorer (kg serve, kg site; the serve extra) -------------------------------------------


def _explorer_project(
    graph_path: Path,
    queries_dir: Path,
    extractions: Path,
    ontology: Path,
    links: Path | None,
    timeout: float,
    max_rows: int,
) -> api.Project:
    return api.Project(
        extractions=extractions,
        ontology=ontology,
        queries=queries_dir,
        graph=graph_path,
        links=links,
        timeout=timeout or None,
        max_rows=max_rows or None,
    )


def _need_serve_extra() -> None:
    try:
        import jinja2  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError(
            "the explorer needs the serve extra: pip install 'newskg[serve]'"
        ) from None


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on.",
)
@graph_option
@queries_option
@extractions_option
@ontology_option
@links_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Stop a query after this many seconds (the endpoint answers 503); 0 for no limit.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=0),
    default=100_000,
    show_default=True,
    metavar="N",
    help="A SELECT query giving more rows is refused (413), not cut; 0 for no limit.",
)
@click.option(
    "--allow-edits",
    is_flag=True,
    help="Serve the link review page, whose accept and reject rewrite the links file.",
)
@click.option(
    "--token",
    envvar="KG_SERVE_TOKEN",
    default=None,
    help="Secret the link review asks for (needed to allow edits on a non-loopback host) "
    "[env: KG_SERVE_TOKEN].",
)
@click.option(
    "--editor",
    default="curator",
    show_default=True,
    help="The name the review form proposes as who decided.",
)
def serve(
    host: str,
    port: int,
    graph_path: Path,
    queries_dir: Path,
    extractions: Path,
    ontology: Path,
    links: Path | None,
    timeout: float,
    max_rows: int,
    allow_edits: bool,
    token: str | None,
    editor: str,
) -> None:
    """Serve the built graph: a SPARQL 1.1 endpoint (/sparql), pages for people, linked
    data by path under the base IRI (/id/..., with content negotiation), and with
    --allow-edits the Wikidata link review (/review).

    The graph is loaded once, at start. Binding to anything but loopback prints a warning.
    """
    _need_serve_extra()
    from .serve import create_app
    from .serve.server import check_binding, run

    for warning in check_binding(host, allow_edits, token):
        click.echo(results.visible(warning), err=True)
    project = _explorer_project(
        graph_path, queries_dir, extractions, ontology, links, timeout, max_rows
    )
    app = create_app(project, allow_edits=allow_edits, token=token, editor=editor)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"kg serve: http://{shown}:{port}/ (Ctrl-C to stop)", err=True)
    run(app, host, port)


@cli.command()
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write the site to (new, empty, or a site kg wrote before).",
)
@graph_option
@queries_option
@extractions_option
@ontology_option
def site(out: Path, graph_path: Path, queries_dir: Path, extractions: Path, ontology: Path) -> None:
    """Write the explorer's pages as a static site with relative links, for any static host."""
    _need_serve_extra()
    from .site import write_site

    project = _explorer_project(
        graph_path, queries_dir, extractions, ontology, None, choices.DEFAULT_TIMEOUT, 0
    )
    pages = write_site(project, out)
    click.echo(f"wrote {pages:,} pages to {out}/ (open {out}/index.html)", err=True)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
