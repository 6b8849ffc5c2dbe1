"""The build's on-disk store (kg.oxigraph): written with kg.nt, holding exactly its triples,
patched by a rebuild to what a cold build writes, and what `kg query run` and `kg sparql`
query (falling back to kg.nt when the store is gone or is not of this kg.nt)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import engine
from kg import store as kgstore
from kg.cli import cli

from .conftest import MINI
from .engines import EXTRACTIONS, LINKS, STORED, kg_build, real_nt, run_example  # noqa: F401
from .samebuild import quads, store_quads


def test_store_holds_the_triples_of_kg_nt(real_nt: Path) -> None:  # noqa: F811
    store = kgstore.beside(real_nt)
    assert store == real_nt.resolve().parent / kgstore.STORE
    assert store_quads(store) == quads(real_nt.read_bytes())
    assert (real_nt.parent / kgstore.STORE).resolve() == store.resolve()


def test_the_built_graph_is_loaded_leniently_with_the_same_quads(
    real_nt: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The build's own kg.nt (its store's mark matches) is loaded without checking its IRIs
    again: the same quads. A copy elsewhere, or the same file changed, is checked: a bad IRI
    in it is an error, not a term."""
    loaded = engine.OxigraphEngine.load(real_nt).store
    assert "".join(sorted(f"{q} .\n" for q in loaded)).encode() == quads(real_nt.read_bytes())
    bad = tmp_path / "kg.nt"
    bad.write_bytes(real_nt.read_bytes() + b"<http://e/a b> <http://e/p> <http://e/o> .\n")
    with pytest.raises(engine.DataError, match="cannot load the graph"):
        engine.OxigraphEngine.load(bad)


@pytest.mark.parametrize("name", STORED)
def test_on_disk_store_gives_the_rows_of_memory(real_nt: Path, name: str) -> None:  # noqa: F811
    with (
        engine.open("oxigraph", real_nt) as mem,
        engine.open("oxigraph", real_nt, memory=False) as disk,
    ):
        assert run_example(disk, name) == run_example(mem, name)


def test_rebuild_patches_the_store_to_the_cold_one(tmp_path: Path) -> None:
    ext = tmp_path / "ext"
    shutil.copytree(EXTRACTIONS, ext)
    shutil.copytree(MINI, ext / "mini")  # a corpus of its own, removed below
    out = tmp_path / "out"
    kg_build(ext, out, LINKS)
    first = (out / "current").resolve()
    files = sorted(ext.glob("*.yaml"))
    text = files[0].read_text(encoding="utf-8")
    files[0].write_text(re.sub(r"(?m)^(  title: ).*$", r"\1Edited title", text, count=1), "utf-8")
    shutil.rmtree(ext / "mini")  # units gone too
    kg_build(ext, out, LINKS)
    assert (out / "current").resolve() != first
    assert not first.exists()  # the old version (and its store) collected
    cold = kg_build(ext, tmp_path / "cold", LINKS)
    patched = store_quads(out / kgstore.STORE)
    assert patched == store_quads(tmp_path / "cold" / kgstore.STORE)
    assert patched == quads((out / "kg.nt").read_bytes()) == quads(cold.read_bytes())


def test_a_build_repairs_a_damaged_store(tmp_path: Path) -> None:
    out = tmp_path / "out"
    nt = kg_build(EXTRACTIONS, out, LINKS)
    shutil.rmtree(out / "current" / kgstore.STORE)
    kg_build(EXTRACTIONS, out, LINKS)  # not a no-op: the store is written again
    assert store_quads(out / kgstore.STORE) == quads(nt.read_bytes())


def _query_run(nt: Path) -> str:
    args = ["query", "run", "timeline", "--graph", str(nt), "-f", "csv"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_query_run_uses_the_store_and_falls_back_to_kg_nt(tmp_path: Path) -> None:
    out = tmp_path / "out"
    nt = kg_build(EXTRACTIONS, out, LINKS)
    expected = _query_run(nt)
    assert expected.count("\n") > 10
    with engine.open("oxigraph", nt, memory=False) as eng:  # what kg query run opens
        assert isinstance(eng, engine.OxigraphEngine) and eng.memory_of == nt
        assert store_quads(out / kgstore.STORE) == quads(nt.read_bytes())
    # a kg.nt that is not the one the store was made of is loaded itself
    os.utime(nt.resolve())
    assert kgstore.beside(nt) is None
    with engine.open("oxigraph", nt, memory=False) as eng:
        assert isinstance(eng, engine.OxigraphEngine) and eng.memory_of is None
    assert _query_run(nt) == expected
    shutil.rmtree(out / "current" / kgstore.STORE)
    assert _query_run(nt) == expected


def test_a_failed_load_leaves_the_answer_to_the_store(tmp_path: Path) -> None:
    """Queries race between the on-disk store and kg.nt loaded into memory; when the load
    fails, the store answers, without an error."""
    bad = tmp_path / "kg.nt"
    bad.write_text("not N-Triples\n", encoding="utf-8")
    store = tmp_path / "store"
    kgstore.write(store, b"<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n")
    eng = engine.OxigraphEngine(kgstore.open_read_only(store), memory_of=bad)
    rows = eng.select("SELECT ?s WHERE { ?s ?p ?o }").rows
    assert [str(row[0]) for row in rows] == ["http://a.example/s"]


def test_sparql_on_the_store(tmp_path: Path) -> None:
    nt = kg_build(EXTRACTIONS, tmp_path / "out", LINKS)
    query = tmp_path / "q.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sparql", str(query), "--graph", str(nt), "-f", "csv"])
    assert result.exit_code == 0, result.output
    distinct = len(set(nt.read_bytes().splitlines()))
    assert result.stdout.splitlines() == ["n", str(distinct)]


def test_store_beside_an_arbitrary_file_is_none(tmp_path: Path) -> None:
    lone = tmp_path / "kg.nt"
    lone.write_bytes(b"")
    assert kgstore.beside(lone) is None
    assert kgstore.beside(tmp_path / "missing.nt") is None
