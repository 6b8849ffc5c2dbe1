"""The explorer in a real browser: headless Chromium (Debian's ``chromium``, driven by
Playwright with the system browser; ``playwright install`` is never run) against ``kg serve``'s
application on 127.0.0.1. A person opens the home page, goes to an actor, runs a stored query
through its form, opens an event, the disagreements and the timeline; the test checks what
they see and saves a screenshot of each page (in ``KG_SCREENSHOTS`` too, if set).

Skipped without Chromium or Playwright, except under ``CI_REQUIRE_ENGINES=1`` (``.ci/run``),
where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kg

from .conftest import ROOT
from .engines import REQUIRE, real_nt  # noqa: F401
from .test_serve import disagreement_groups

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _need(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"{what} is required here (CI_REQUIRE_ENGINES=1)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def server(real_nt: Path) -> Iterator[str]:  # noqa: F811
    """``kg serve``'s application under uvicorn on a free port of 127.0.0.1."""
    uvicorn = pytest.importorskip("uvicorn")
    from kg.serve import create_app

    app = create_app(kg.open(ROOT, graph=real_nt))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("Playwright (pip install playwright)")
    if not CHROMIUM.is_file():
        _need("Chromium (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 860},
        )
        yield context.new_page()
        context.close()


def shot(page: Any, name: str, folder: Path) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # a page was drawn
    keep = os.environ.get("KG_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)


def test_a_person_explores_the_graph(
    server: str,
    page: Any,
    real_nt: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    project = kg.open(ROOT, graph=real_nt)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "What news articles claim"
    articles = project.sparql("SELECT ?a WHERE { ?a a nkg:Article }")
    assert page.locator(".stat").first.inner_text() == f"{len(articles)} articles"  # type: ignore[arg-type]
    shot(page, "explorer-home", tmp_path)

    page.locator("#top-entities a", has_text="Kata'ib Hezbollah").click()
    page.wait_for_url("**/id/actor/kataeb-hezbollah")
    assert page.locator("h1").inner_text() == "Kata'ib Hezbollah"
    spellings = page.locator("#spellings").inner_text()
    for form in ("Kataeb Hezbollah", "Kataib Hezbollah", "Kata\u2019ib Hezbollah"):
        assert form in spellings
    shot(page, "explorer-actor", tmp_path)

    page.get_by_role("link", name="Stored queries").click()
    page.get_by_role("link", name=project.stored_queries()["spellings"].title).click()
    page.fill("input[name=contains]", "hizbollah")
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("#results")
    expected = project.query("spellings", contains="hizbollah")
    assert page.locator("#results tbody tr").count() == len(expected) > 0
    assert page.locator("a.download", has_text="CSV").count() == 1
    shot(page, "explorer-query", tmp_path)

    page.goto(server + "/id/event/us-strikes-2019-12-29")
    header = page.locator("#accounts thead th")
    reports = project.sparql("SELECT ?r WHERE { ?r nkg:reports event:us-strikes-2019-12-29 }")
    assert header.count() == len(reports) + 1  # type: ignore[arg-type]
    assert page.locator("#accounts tr.differs .flag").count() >= 1
    shot(page, "explorer-event", tmp_path)

    page.get_by_role("link", name="Disagreements").click()
    assert page.locator("h1").inner_text() == "Where the articles' figures disagree"
    groups = disagreement_groups(project)
    differing = [g for g in groups if any(row["comparison"] == "differs" for row in g)]
    assert page.locator("section.group.differs").count() == len(differing) > 0
    assert page.locator("section.group").count() == len(groups)
    shot(page, "explorer-disagreements", tmp_path)

    page.get_by_role("link", name="Timeline").click()
    page.fill("input[name=from]", "2019")
    page.fill("input[name=to]", "2020")
    page.get_by_role("button", name="Show").click()
    bars = page.locator("#timeline rect.bar")
    assert bars.count() > 20
    box = page.locator("#timeline").bounding_box()
    assert box is not None and box["width"] > 800
    shot(page, "explorer-timeline", tmp_path)
    assert errors == []
