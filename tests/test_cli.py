"""The command line through click's CliRunner: help, exit codes, queries and their errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from kg import cli as cli_module
from kg.cli import KgGroup, cli
from kg.engine import Kind as Engine
from kg.errors import DataError, KgError, Location, UsageError
from kg.results import FORMATS
from kg.validate import Validator

from .conftest import MINI, ONTOLOGY, ROOT

DATE_MSG = "parameter 'from' must be a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, got "


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += all_commands(command, prefix + name + " ")
    return found


@pytest.mark.parametrize(("name", "command"), all_commands(cli))
def test_every_command_is_documented(name: str, command: click.Command) -> None:
    assert command.help and len(command.help) > 20, name
    result = invoke(*name.split(), "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts}"
    top = name.split()[0]
    assert f"kg {top}" in (ROOT / "README.md").read_text(encoding="utf-8"), f"README: kg {top}"


def error_classes(base: type[KgError] = KgError) -> list[type[KgError]]:
    return [base, *(c for sub in base.__subclasses__() for c in error_classes(sub))]


def documented_codes(text: str) -> set[int]:
    """The numbers of the sentence "Exit codes: ... ." of ``text`` (whitespace-normalised)."""
    found = re.search(r"Exit codes: (.*?)\.(\s|$)", " ".join(text.split()))
    assert found, "no 'Exit codes: ...' sentence"
    return {int(n) for n in re.findall(r"(?<![\w-])(\d+)(?![\w-])", found.group(1))}


def test_every_exit_code_is_documented() -> None:
    codes = {0, click.UsageError.exit_code, cli_module.BUG, cli_module.INTERRUPTED}
    codes |= {c.exit_code for c in error_classes()}
    assert codes == {0, 1, 2, 3, 130}
    assert documented_codes(invoke("--help").output) == codes
    assert documented_codes(cli_module.__doc__ or "") == codes
    assert documented_codes((ROOT / "README.md").read_text(encoding="utf-8")) == codes


def groups(group: click.Group) -> list[click.Group]:
    return [
        group,
        *(g for c in group.commands.values() if isinstance(c, click.Group) for g in groups(c)),
    ]


def test_every_group_turns_errors_into_messages() -> None:
    assert [type(g) for g in groups(cli)] == [KgGroup, KgGroup]


def required_args(command: click.Command) -> list[str]:
    """Arguments that get past parsing: a value for every required parameter."""
    args = []
    for param in command.params:
        if not param.required:
            continue
        value = "-" if isinstance(param.type, click.File) else "x"
        args += [param.opts[0], value] if isinstance(param, click.Option) else [value]
    return args


LEAVES = [(n, c) for n, c in all_commands(cli) if not isinstance(c, click.Group)]


@pytest.mark.parametrize(("name", "command"), LEAVES, ids=[n for n, _ in LEAVES])
def test_every_command_reports_a_kg_error_as_a_message(
    name: str, command: click.Command, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**_: object) -> None:
        raise UsageError("bad input", Location("x.yaml", 3, "field"))

    monkeypatch.setattr(command, "callback", fail)
    result = invoke(*name.split(), *required_args(command))
    assert (result.exit_code, result.stderr) == (2, "x.yaml:3: field: bad input\n")


@pytest.mark.parametrize(
    ("error", "code", "stderr"),
    [
        (DataError("no such actor", Location("a.yaml", 7)), 1, "a.yaml:7: no such actor\n"),
        (KeyboardInterrupt(), cli_module.INTERRUPTED, "interrupted\n"),
        (BrokenPipeError(), 0, ""),
    ],
)
def test_errors_become_exit_codes(
    error: BaseException, code: int, stderr: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**_: object) -> None:
        raise error

    monkeypatch.setattr(cli_module.query.commands["list"], "callback", fail)
    result = invoke("query", "list")
    assert (result.exit_code, result.stderr) == (code, stderr)


def test_a_bug_shows_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(**_: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli_module.vocab, "callback", fail)
    result = invoke("vocab")
    assert result.exit_code == cli_module.BUG
    lines = result.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-2:] == ["ZeroDivisionError: division by zero", cli_module.BUG_REPORT]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    result = invoke("build", "-e", str(MINI), "--ontology", str(ONTOLOGY), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    return out / "kg.nt"


def run(graph: Path, name: str, *args: str) -> Result:
    return invoke(
        "query", "run", name, "--graph", str(graph), "--queries", str(ROOT / "queries"), *args
    )


def test_build_reports_what_it_wrote(tmp_path: Path) -> None:
    result = invoke("build", "-e", str(MINI), "--ontology", str(ONTOLOGY), "-o", str(tmp_path))
    assert result.exit_code == 0
    outputs = ", ".join(str(tmp_path / name) for name in ("kg.ttl", "kg.nt"))
    assert result.stderr == (
        "built 1,196 triples from 1 article(s) in 2 file(s) "
        f"(2 read, 0 from the cache; validated as a whole): {outputs}\n"
    )


def test_validate_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", "-e", str(MINI), "--ontology", str(ONTOLOGY))
    assert result.exit_code == 0
    assert result.stderr.startswith("ok: 2 file(s), ")
    assert list(tmp_path.iterdir()) == []


def test_every_validator_gives_the_same_verdict(tmp_path: Path) -> None:
    verdicts = {}
    for validator in Validator:
        args = ("-e", str(MINI), "--ontology", str(ONTOLOGY), "--validator", validator)
        result = invoke("validate", *args, "-o", str(tmp_path / "build"))
        verdicts[validator] = (result.exit_code, result.stderr)
    assert len(set(verdicts.values())) == 1, verdicts
    assert verdicts[Validator.FAST][1].startswith("ok: 2 file(s), ")


def test_ontology_syntax_error_is_located(tmp_path: Path) -> None:
    for name in ("ontology.ttl", "shapes.ttl"):
        (tmp_path / name).write_text((ONTOLOGY / name).read_text(encoding="utf-8"))
    with (tmp_path / "shapes.ttl").open("a", encoding="utf-8") as f:
        f.write("nks:Broken a sh:NodeShape ;\n    sh:targetClass nkg:Article .  .\n")
    lines = (tmp_path / "shapes.ttl").read_text(encoding="utf-8").count("\n")
    result = invoke("validate", "-e", str(MINI), "--ontology", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path / 'shapes.ttl'}:{lines}:")
    assert "Turtle syntax error" in result.stderr


def test_query_list_shows_titles_and_parameters() -> None:
    result = invoke("query", "list", "--queries", str(ROOT / "queries"))
    assert result.exit_code == 0
    assert "timeline: Timeline of events\n" in result.output
    assert (
        "    -p from=<date> = 0001-01-01  only events on or after this day, month or year\n"
        in result.output
    )
    assert "    -p speaker=<iri> (optional)  only what this actor said" in result.output


def test_query_show_prints_the_file() -> None:
    result = invoke("query", "show", "spellings", "--queries", str(ROOT / "queries"))
    assert result.output == (ROOT / "queries" / "spellings.rq").read_text(encoding="utf-8")


def test_unknown_query_lists_the_stored_ones(graph: Path) -> None:
    result = run(graph, "timelin")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "unknown query 'timelin'; did you mean 'timeline'? "
        "stored queries: actor-profile, article-summary, "
    )


def test_unknown_parameter_lists_the_valid_ones(graph: Path) -> None:
    result = run(graph, "timeline", "-p", "since=2020-01-01")
    assert (result.exit_code, result.stderr) == (
        2,
        "query 'timeline' has no parameter 'since'; its parameters: from, to\n",
    )


@pytest.mark.parametrize(
    ("name", "param", "message"),
    [
        ("timeline", "from=Jan 3", DATE_MSG + "'Jan 3'"),
        ("co-participants", "min=two", "parameter 'min' must be an integer, got 'two'"),
        (
            "figures-about",
            "entity=nobody",
            "parameter 'entity': no entity with id or label 'nobody'",
        ),
    ],
)
def test_parameter_of_the_wrong_type(graph: Path, name: str, param: str, message: str) -> None:
    result = run(graph, name, "-p", param)
    assert (result.exit_code, result.stderr) == (2, message + "\n")


def test_missing_required_parameter(graph: Path) -> None:
    result = run(graph, "figures-about")
    assert result.exit_code == 2
    assert result.stderr == (
        "query 'figures-about' needs -p entity=VALUE (iri): the actor, "
        "place or event (curated id, label, or IRI)\n"
    )


@pytest.mark.parametrize(
    "value",
    [
        "protesters",
        "Protesters in Testland",
        "actor:protesters",
        "https://w3id.org/newskg/id/actor/protesters",
    ],
)
def test_iri_parameter_by_id_label_prefixed_name_or_iri(graph: Path, value: str) -> None:
    result = run(graph, "figures-about", "-p", f"entity={value}", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.output.splitlines()[1].startswith(
        'https://w3id.org/newskg/id/article/gazette-2021-06-01,participants,"2,000 to 3,000",range,'
    )


def test_iri_parameter_by_spelling(graph: Path) -> None:
    result = run(graph, "actor-profile", "-p", "actor=the Front", "-f", "csv")
    assert "label,River Front,," in result.output


def test_injection_attempt_is_just_a_string(graph: Path) -> None:
    everything = run(graph, "spellings", "-f", "csv").output.splitlines()
    assert len(everything) == 6
    for value in ('"} ; DROP ALL ; #', 'zzz") || true || CONTAINS("a", "'):
        result = run(graph, "spellings", "-p", f"contains={value}", "-f", "csv")
        assert result.exit_code == 0
        assert result.output.splitlines() == ["actor,spelling,article"]


def test_output_formats(graph: Path) -> None:
    csv_out = run(graph, "co-participants", "-f", "csv").stdout_bytes
    assert csv_out == (
        b"actor1,actor2,events\r\n"
        b"https://w3id.org/newskg/id/actor/protesters,"
        b"https://w3id.org/newskg/id/actor/river-front,1\r\n"
    )
    tsv_out = run(graph, "co-participants", "-f", "tsv").output
    assert tsv_out == (
        "?actor1\t?actor2\t?events\n"
        "<https://w3id.org/newskg/id/actor/protesters>\t"
        "<https://w3id.org/newskg/id/actor/river-front>\t1\n"
    )
    doc = json.loads(run(graph, "co-participants", "-f", "json").output)
    assert doc == {
        "head": {"vars": ["actor1", "actor2", "events"]},
        "results": {
            "bindings": [
                {
                    "actor1": {
                        "type": "uri",
                        "value": "https://w3id.org/newskg/id/actor/protesters",
                    },
                    "actor2": {
                        "type": "uri",
                        "value": "https://w3id.org/newskg/id/actor/river-front",
                    },
                    "events": {
                        "type": "literal",
                        "value": "1",
                        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                    },
                }
            ]
        },
    }
    md = run(graph, "co-participants", "-f", "markdown").output
    assert md == (
        "| actor1 | actor2 | events |\n|---|---|---|\n"
        "| Protesters in Testland (actor:protesters) | River Front (actor:river-front) "
        "| 1 |\n"
    )
    table = run(graph, "co-participants", "-f", "table").output
    assert table == (
        "actor1                                     actor2                           events\n"
        "-----------------------------------------  -------------------------------  ------\n"
        "Protesters in Testland (actor:protesters)  River Front (actor:river-front)  1\n"
        "(1 row)\n"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_result_format(graph: Path, fmt: str) -> None:
    result = run(graph, "co-participants", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    for shown in ("actor1", "actor2", "events", "actor/protesters", "actor/river-front", "1"):
        assert shown in result.output.replace("actor:", "actor/"), shown
    assert result.output.endswith("\n")
    assert re.fullmatch(r"(text|application)/[a-z.+-]+", FORMATS[fmt].media_type)


@pytest.mark.parametrize("engine", list(Engine))
def test_every_engine_gives_the_same_rows(graph: Path, engine: Engine) -> None:
    result = run(graph, "co-participants", "-f", "csv", "--engine", engine)
    assert result.stdout_bytes == (
        b"actor1,actor2,events\r\n"
        b"https://w3id.org/newskg/id/actor/protesters,"
        b"https://w3id.org/newskg/id/actor/river-front,1\r\n"
    )


def test_an_unknown_engine_is_a_usage_error(graph: Path) -> None:
    result = run(graph, "timeline", "--engine", "OXIGRAPH")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--engine': 'OXIGRAPH' is not one of 'oxigraph', 'rdflib'.\n"
    )


def test_every_result_format_is_documented() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    sentence = readme[readme.index("`-f` chooses ") :].split(";")[0]
    assert re.findall(r"`(\w+)`", sentence) == list(FORMATS)
    for command in (("query", "run"), ("sparql",)):
        help_text = " ".join(invoke(*command, "--help").output.split())
        for name, fmt in FORMATS.items():
            assert f"{name} ({fmt.description})" in help_text


def test_sparql_from_stdin_and_ask_and_construct(graph: Path) -> None:
    ask = invoke("sparql", "-", "--graph", str(graph), input="ASK { ?s a nkg:Figure }")
    assert (ask.exit_code, ask.output) == (0, "true\n")
    construct = invoke(
        "sparql",
        "-",
        "--graph",
        str(graph),
        input="CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a nkg:Place ; rdfs:label ?l }",
    )
    assert construct.exit_code == 0
    assert 'place:port-city rdfs:label "Port City" .' in construct.output


def test_update_queries_are_refused(graph: Path) -> None:
    for update in ("DROP ALL", "INSERT DATA { <http://a> <http://b> <http://c> }"):
        result = invoke("sparql", "-", "--graph", str(graph), input=update)
        assert (result.exit_code, result.stderr) == (
            2,
            "<stdin>: update queries are refused: kg only reads the graph\n",
        )


def test_sparql_syntax_error_is_located(graph: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("# a comment\nSELECT ?s\nWHERE { ?s ?p }\n")
    result = invoke("sparql", str(bad), "--graph", str(graph))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{bad}:3:")
    assert "SPARQL syntax error" in result.stderr


def test_stored_query_syntax_error_is_located(graph: Path, tmp_path: Path) -> None:
    (tmp_path / "broken.rq").write_text("# title: Broken\nSELECT * WHERE {\n  ?s ?p ?o .\n")
    result = invoke("query", "run", "broken", "--graph", str(graph), "--queries", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path / 'broken.rq'}:")
    assert "SPARQL syntax error" in result.stderr


def test_query_without_built_graph(tmp_path: Path) -> None:
    result = run(tmp_path / "kg.nt", "timeline")
    assert (result.exit_code, result.stderr) == (
        1,
        f"{tmp_path / 'kg.nt'}: no built graph at {tmp_path / 'kg.nt'}: run `kg build` first\n",
    )


def test_control_characters_in_a_message_are_shown_not_obeyed(tmp_path: Path) -> None:
    """A key written with ESC, a bidi override and a bell reaches the terminal escaped."""
    folder = tmp_path / "extractions"
    shutil.copytree(MINI, folder)
    path = folder / "shared.yaml"
    path.write_text('"x\\e[2J\\u202e\\a": 1\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke("validate", "-e", str(folder), "--ontology", str(ONTOLOGY))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(
        f"{path}:1: x\\x1b[2J\\u202e\\x07: unknown field 'x\\x1b[2J\\u202e\\x07'"
    )
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
