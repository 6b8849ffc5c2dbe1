"""Shared fixtures: the repository's folders, the vocabulary, and a corpus builder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from rdflib import Graph

from kg import ontology
from kg.extraction import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
MINI = ROOT / "tests" / "fixtures" / "mini"
SECOND = ROOT / "tests" / "fixtures" / "second"
SOURCES = ROOT.parent / "shared" / "sources"

# Property tests (tests/test_properties.py): random in development, with failing examples kept
# in .hypothesis/; derandomized in CI (.ci/run sets HYPOTHESIS_PROFILE=ci), so a CI run is
# repeatable. Each test sets its own number of examples.
settings.register_profile("dev", deadline=None)
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return ontology.vocabulary(ontology.load("ontology.ttl", ONTOLOGY))


def copy_corpus(folder: Path, *files: Path) -> Path:
    """``folder`` (created) holding copies of the given fixture files."""
    folder.mkdir()
    for path in files:
        shutil.copy(path, folder / path.name)
    return folder


MINI_FILES = (MINI / "shared.yaml", MINI / "gazette-2021-06-01.yaml")
TWO_ARTICLES = (*MINI_FILES, SECOND / "herald-2021-06-02.yaml")


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    """A writable copy of the mini fixture corpus (two YAML files)."""
    return copy_corpus(tmp_path / "extractions", *MINI_FILES)


@pytest.fixture(scope="session")
def two_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini corpus plus a second article that disagrees with the first."""
    return copy_corpus(tmp_path_factory.mktemp("two") / "extractions", *TWO_ARTICLES)


@pytest.fixture(scope="module")
def onto() -> Graph:
    """The ontology (shared: do not modify)."""
    return ontology.load("ontology.ttl", ONTOLOGY)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The SHACL shapes (shared: do not modify)."""
    return ontology.load("shapes.ttl", ONTOLOGY)
