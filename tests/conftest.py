"""Shared fixtures: the repository's folders, the vocabulary, and a corpus builder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg import ontology
from kg.extraction import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
MINI = ROOT / "tests" / "fixtures" / "mini"
SECOND = ROOT / "tests" / "fixtures" / "second"
SOURCES = ROOT.parent / "shared" / "sources"


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return ontology.vocabulary(ontology.load("ontology.ttl", ONTOLOGY))


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    """A writable copy of the mini fixture corpus (two YAML files)."""
    folder = tmp_path / "extractions"
    folder.mkdir()
    for name in ("shared.yaml", "gazette-2021-06-01.yaml"):
        shutil.copy(MINI / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def two_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini corpus plus a second article that disagrees with the first."""
    folder = tmp_path_factory.mktemp("two") / "extractions"
    folder.mkdir()
    for path in (
        MINI / "shared.yaml",
        MINI / "gazette-2021-06-01.yaml",
        SECOND / "herald-2021-06-02.yaml",
    ):
        shutil.copy(path, folder / path.name)
    return folder
