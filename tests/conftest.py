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
