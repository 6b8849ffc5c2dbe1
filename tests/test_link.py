"""``kg link`` and the links file, against a fake Wikibase API on 127.0.0.1.

The fake is a real HTTP server (``ThreadingHTTPServer`` on port 0, in a thread) answering in
the shapes of the Wikidata API; it counts and records every request, and can be scripted to
fail (429, 500, 503, the maxlag error with HTTP 200, a slow answer, malformed JSON).
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg import linking
from kg import wikidata as wd
from kg.build import build
from kg.cli import cli
from kg.convert import convert
from kg.errors import DataError, KgError, Location, ServiceError, ValidationFailed
from kg.export import graph_payloads
from kg.extraction import Vocabulary, load_corpus
from kg.links import LinkRow, Status, read_links, render_links
from kg.namespaces import ID, LINKS_GRAPH, WIKIDATA
from kg.ontology import load
from kg.validate import Validator, check

from .conftest import ONTOLOGY

Json = dict[str, Any]
HEADER = "entity,kind,qid,label,score,matched,status,decided_by,note\n"

# --- a fake Wikibase ----------------------------------------------------------------------------


@dataclass
class Reply:
    """A scripted answer: status, body (JSON, or raw bytes), headers, and a delay first."""

    status: int = 200
    body: Json | bytes = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def item(
    qid: str,
    label: str,
    description: str = "",
    *,
    p31: tuple[str, ...] = (),
    p279: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
) -> Json:
    """An entity as wbgetentities returns it (English only)."""

    def claim(prop: str, target: str, n: int) -> Json:
        return {
            "mainsnak": {
                "snaktype": "value",
                "property": prop,
                "datavalue": {
                    "value": {"entity-type": "item", "numeric-id": int(target[1:]), "id": target},
                    "type": "wikibase-entityid",
                },
                "datatype": "wikibase-item",
            },
            "type": "statement",
            "id": f"{qid}$0000-{prop}-{n}",
            "rank": "normal",
        }

    claims = {
        p: [claim(p, t, n) for n, t in enumerate(ts)]
        for p, ts in (("P31", p31), ("P279", p279))
        if ts
    }
    return {
        "type": "item",
        "id": qid,
        "labels": {"en": {"language": "en", "value": label}},
        "descriptions": {"en": {"language": "en", "value": description}} if description else {},
        "aliases": {"en": [{"language": "en", "value": a} for a in aliases]} if aliases else {},
        "claims": claims,
    }


def hit(entity: Json, alias: str | None = None) -> Json:
    """A wbsearchentities result for ``entity``, matched by its label or by ``alias``."""
    qid, label = entity["id"], entity["labels"]["en"]["value"]
    found: Json = {
        "id": qid,
        "title": qid,
        "pageid": int(qid[1:]) + 1000,
        "concepturi": f"http://www.wikidata.org/entity/{qid}",
        "repository": "wikidata",
        "url": f"//www.wikidata.org/wiki/{qid}",
        "display": {"label": {"value": label, "language": "en"}},
        "label": label,
        "match": {"type": "alias" if alias else "label", "language": "en", "text": alias or label},
    }
    if "en" in entity["descriptions"]:
        found["description"] = entity["descriptions"]["en"]["value"]
    if alias:
        found["aliases"] = [alias]
    return found


class FakeWikibase:
    """``/w/api.php``: first the ``script`` (one reply per request), then ``always`` (after
    ``fail_after`` good answers, if set), else answers from ``items`` and ``searches``."""

    def __init__(self) -> None:
        self.items: dict[str, Json] = {}
        self.searches: dict[str, list[Json]] = {}
        self.script: list[Reply] = []
        self.always: Reply | None = None
        self.fail_after: int | None = None
        self.seen: list[tuple[dict[str, str], dict[str, str]]] = []  # params, headers
        self.active = 0
        self.most_active = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/w/api.php"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, *entities: Json) -> None:
        for e in entities:
            self.items[e["id"]] = e

    @property
    def count(self) -> int:
        return len(self.seen)

    def searched(self) -> list[str]:
        return [p["search"] for p, _ in self.seen if p.get("action") == "wbsearchentities"]

    def answer(self, params: dict[str, str]) -> Reply:
        if self.script:
            return self.script.pop(0)
        if self.always is not None and (self.fail_after is None or self.count > self.fail_after):
            return self.always
        if params.get("action") == "wbsearchentities":
            text = params.get("search", "")
            return Reply(
                body={
                    "searchinfo": {"search": text},
                    "search": self.searches.get(text, []),
                    "success": 1,
                }
            )
        if params.get("action") == "wbgetentities":
            entities: Json = {}
            for qid in params.get("ids", "").split("|"):
                e = self.items.get(qid)
                if e is None:
                    entities[qid] = {"id": qid, "missing": ""}
                elif params.get("props") == "claims":
                    entities[qid] = {"type": "item", "id": qid, "claims": e["claims"]}
                else:
                    entities[qid] = e
            return Reply(body={"entities": entities, "success": 1})
        return Reply(body={"error": {"code": "badvalue", "info": "Unrecognized value"}})

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with fake.lock:
                    fake.active += 1
                    fake.most_active = max(fake.most_active, fake.active)
                    params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                    fake.seen.append((params, dict(self.headers.items())))
                    reply = fake.answer(params)
                time.sleep(reply.delay)
                with fake.lock:  # done: the answer is on its way
                    fake.active -= 1
                try:
                    body = reply.body
                    data = body if isinstance(body, bytes) else json.dumps(body).encode()
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


TESTLAND = item("Q10", "Testland", "country", p31=("Q6256",), aliases=("Republic of Testland",))
NOVEL = item("Q11", "Testland", "novel", p31=("Q7725634",))
FILM = item("Q100", "Port City", "film", p31=("Q11424",))
CITY = item("Q101", "Port City", "port city in Testland", p31=("Q1549591",))
DISAMBIGUATION = item("Q102", "Port City", "Wikimedia disambiguation page", p31=("Q4167410",))
WRITER = item("Q200", "Ada Writer", "journalist", p31=("Q5",))
GAZETTE = item("Q300", "Example Gazette", "newspaper in Testland", p31=("Q11032",))
GAZETTES = item("Q301", "Gazette", "Wikimedia disambiguation page", p31=("Q4167410",))


@pytest.fixture()
def wikibase() -> Iterator[FakeWikibase]:
    """The fake, with items for the mini corpus (tests/fixtures/mini; all fictional)."""
    fake = FakeWikibase()
    fake.add(TESTLAND, NOVEL, FILM, CITY, DISAMBIGUATION, WRITER, GAZETTE, GAZETTES)
    fake.add(
        item("Q1549591", "big city", p279=("Q515",)),
        item("Q11424", "film", p279=("Q2431196",)),
        item("Q2431196", "audiovisual work"),
        item("Q7725634", "literary work"),
    )
    fake.searches.update(
        {
            "Testland": [hit(TESTLAND), hit(NOVEL)],
            "Republic of Testland": [hit(TESTLAND, "Republic of Testland")],
            "Port City": [hit(FILM), hit(CITY), hit(DISAMBIGUATION)],
            "Ada Writer": [hit(WRITER)],
            "Example Gazette": [hit(GAZETTE)],
            "Gazette": [hit(GAZETTES), hit(GAZETTE)],
        }
    )
    yield fake
    fake.close()


# --- helpers ------------------------------------------------------------------------------------

# What the first run writes for the mini corpus.
FIRST_RUN = HEADER + (
    'ada-writer,person,Q200,Ada Writer,0.90,"label ""Ada Writer""; type: human (Q5)",'
    "accepted,auto,only candidate\n"
    'example-gazette,media-outlet,Q300,Example Gazette,0.90,"label ""Example Gazette""; '
    'type: newspaper (Q11032)",accepted,auto,runner-up Q301 Gazette (0.00)\n'
    'port-city,city,Q101,Port City,0.90,"label ""Port City""; type: city (Q1549591 > Q515)",'
    "accepted,auto,runner-up Q100 Port City (0.00)\n"
    "port-city-rally-2021-05,protest,,,,,no-match,auto,no candidates\n"
    "protesters,collective-group,,,,,no-match,auto,no candidates\n"
    "river-front,armed-group,,,,,no-match,auto,no candidates\n"
    'testland,state,Q10,Testland,0.90,"label ""Testland""; type: country (Q6256)",'
    "accepted,auto,runner-up Q11 Testland (0.00)\n"
)
FIRST_RUN_REQUESTS = 18  # 10 searches, 4 candidate batches, 4 class items


@dataclass
class Setup:
    extractions: Path
    links: Path
    cache: Path
    sleeps: list[float]
    vocab: Vocabulary

    def client(self, url: str, **options: Any) -> wd.Client:
        options.setdefault("backoff", 0.01)
        options.setdefault("timeout", (2.0, 5.0))
        return wd.Client(url, self.cache, sleep=self.sleeps.append, **options)

    def run(self, client: wd.Client, only: tuple[str, ...] = ()) -> linking.LinkReport:
        corpus = load_corpus(self.extractions, self.vocab)
        return linking.run(linking.plan(corpus, self.links, only), client)

    def snapshot(self) -> dict[str, bytes]:
        """The links file and every cache file, byte for byte."""
        files = [self.links, *sorted(self.cache.glob("*"))] if self.cache.exists() else [self.links]
        return {str(p): p.read_bytes() for p in files if p.exists()}


@pytest.fixture()
def setup(mini: Path, vocab: Vocabulary) -> Setup:
    return Setup(mini, mini.parent / "links" / "wikidata.csv", mini.parent / "cache", [], vocab)


def kg(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def kg_link(setup: Setup, url: str, *args: str) -> Result:
    return kg(
        "link",
        "--api-url",
        url,
        "--cache",
        str(setup.cache),
        "-e",
        str(setup.extractions),
        "--ontology",
        str(ONTOLOGY),
        *args,
    )


# --- linking ------------------------------------------------------------------------------------


def test_first_run_writes_the_links_file(setup: Setup, wikibase: FakeWikibase) -> None:
    result = kg_link(setup, wikibase.url)
    assert result.exit_code == 0, result.stderr
    assert setup.links.read_text(encoding="utf-8") == FIRST_RUN
    assert result.stderr.splitlines()[-1] == (
        f"wrote {setup.links}: 4 accepted (4 auto), 0 proposed, 3 no match, 0 rejected; "
        f"7 entities looked up with {FIRST_RUN_REQUESTS} request(s), 0 answer(s) from the cache"
    )
    assert wikibase.count == FIRST_RUN_REQUESTS
    assert len(list(setup.cache.glob("*.json"))) == FIRST_RUN_REQUESTS  # one file per request


def test_only_the_type_check_finds_the_right_item(setup: Setup, wikibase: FakeWikibase) -> None:
    # three items are labelled "Port City"; only the city is an instance of (a subclass of) city
    setup.run(setup.client(wikibase.url), only=("port-city",))
    assert setup.links.read_text(encoding="utf-8") == HEADER + (
        'port-city,city,Q101,Port City,0.90,"label ""Port City""; type: city (Q1549591 > Q515)",'
        "accepted,auto,runner-up Q100 Port City (0.00)\n"
    )
    assert wikibase.searched() == ["Port City"]


def test_no_candidate_is_a_no_match_row(setup: Setup, wikibase: FakeWikibase) -> None:
    setup.run(setup.client(wikibase.url), only=("river-front",))
    assert wikibase.searched() == ["River Front", "the Front"]  # label, and the article's names
    assert setup.links.read_text(encoding="utf-8") == HEADER + (
        "river-front,armed-group,,,,,no-match,auto,no candidates\n"
    )


def test_a_close_runner_up_is_proposed_not_accepted(setup: Setup, wikibase: FakeWikibase) -> None:
    twin = item("Q12", "Testland", "sovereign state", p31=("Q3624078",))
    wikibase.add(twin)
    wikibase.searches["Testland"].append(hit(twin))
    setup.run(setup.client(wikibase.url), only=("testland",))
    assert setup.links.read_text(encoding="utf-8") == HEADER + (
        'testland,state,Q10,Testland,0.90,"label ""Testland""; type: country (Q6256)",'
        "proposed,auto,no clear winner: Q12 Testland (0.90)\n"
    )


def test_requests_are_polite(setup: Setup, wikibase: FakeWikibase) -> None:
    setup.run(setup.client(wikibase.url))
    assert wikibase.most_active == 1  # one request at a time
    for params, headers in wikibase.seen:
        assert params["maxlag"] == "5"
        assert params["format"] == "json"
        assert headers["User-Agent"] == wd.USER_AGENT
    assert wd.CONTACT in wd.USER_AGENT
    assert re.fullmatch(r"newskg/\S+ \([^;]+; [^@ ]+@\S+\) python-requests/\S+", wd.USER_AGENT)


def test_second_run_makes_no_requests(setup: Setup, wikibase: FakeWikibase) -> None:
    assert kg_link(setup, wikibase.url).exit_code == 0
    before = setup.snapshot()
    result = kg_link(setup, wikibase.url)
    assert result.exit_code == 0, result.stderr
    assert wikibase.count == FIRST_RUN_REQUESTS  # none more
    assert setup.snapshot() == before
    assert result.stderr.splitlines()[-1] == (
        f"unchanged: {setup.links}: 4 accepted (4 auto), 0 proposed, 3 no match, 0 rejected; "
        f"7 entities looked up with 0 request(s), {FIRST_RUN_REQUESTS} answer(s) from the cache"
    )


def test_offline_uses_only_the_cache(setup: Setup, wikibase: FakeWikibase) -> None:
    setup.run(setup.client(wikibase.url))
    setup.links.unlink()
    result = kg_link(setup, wikibase.url, "--offline")
    assert result.exit_code == 0, result.stderr
    assert wikibase.count == FIRST_RUN_REQUESTS
    assert setup.links.read_text(encoding="utf-8") == FIRST_RUN


def test_offline_cache_miss_is_an_error(setup: Setup, wikibase: FakeWikibase) -> None:
    result = kg_link(setup, wikibase.url, "--offline")
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1,
        f"{wikibase.url}: offline, and wbsearchentities 'Ada Writer' is not in the cache "
        f"({setup.cache}); run once without --offline; the links file and the cache are "
        "unchanged",
    )
    assert wikibase.count == 0
    assert not setup.links.exists()
    assert not setup.cache.exists()


def test_corrupted_cache_entries_are_fetched_again(
    setup: Setup, wikibase: FakeWikibase, caplog: pytest.LogCaptureFixture
) -> None:
    setup.run(setup.client(wikibase.url))
    client = setup.client(wikibase.url)
    search = {
        "action": "wbsearchentities",
        "search": "Port City",
        "language": "en",
        "uselang": "en",
        "type": "item",
        "limit": "10",
        "format": "json",
        "maxlag": "5",
    }
    tampered = setup.cache / f"{wd.cache_key(wikibase.url, search)}.json"
    entry = json.loads(tampered.read_text(encoding="utf-8"))
    entry["body"]["search"] = entry["body"]["search"][:1]  # only the film: still valid JSON
    tampered.write_text(json.dumps(entry), encoding="utf-8")
    truncated = next(p for p in sorted(setup.cache.glob("*.json")) if p != tampered)
    truncated.write_bytes(truncated.read_bytes()[:40])
    with caplog.at_level(logging.WARNING, logger="kg.wikidata"):
        setup.run(client)
    assert wikibase.count == FIRST_RUN_REQUESTS + 2
    assert sorted(caplog.messages) == sorted(
        [
            f"{tampered}: corrupted cache entry (checksum mismatch): fetching it again",
            f"{truncated}: corrupted cache entry (not valid JSON): fetching it again",
        ]
    )
    assert setup.links.read_text(encoding="utf-8") == FIRST_RUN  # the tampering was not trusted
    setup.run(setup.client(wikibase.url, offline=True))  # both entries were written again
    assert wikibase.count == FIRST_RUN_REQUESTS + 2


# --- decisions ----------------------------------------------------------------------------------


def test_decisions_are_kept_and_rejections_not_proposed_again(
    setup: Setup, wikibase: FakeWikibase
) -> None:
    setup.links.parent.mkdir()
    setup.links.write_text(
        HEADER
        + "ada-writer,person,,,,,no-match,curator,not the journalist of that name\n"
        + "atlantis,city,Q999,Atlantis,,,accepted,jd,kept although not in the corpus\n"
        + "example-gazette,media-outlet,Q301,Gazette,0.40,,proposed,jd,a guess\n"
        + "port-city,city,Q101,Port City,0.90,,rejected,curator,wrong port\n"
        + "testland,state,Q11,Testland,,,accepted,curator,the novel: a test of the merge\n"
        + "vanished,person,Q5000,Someone,0.50,,proposed,auto,\n",
        encoding="utf-8",
    )
    report = setup.run(setup.client(wikibase.url))
    assert setup.links.read_text(encoding="utf-8") == HEADER + (
        "ada-writer,person,,,,,no-match,curator,not the journalist of that name\n"
        "atlantis,city,Q999,Atlantis,,,accepted,jd,kept although not in the corpus\n"
        'example-gazette,media-outlet,Q300,Example Gazette,0.90,"label ""Example Gazette""; '
        'type: newspaper (Q11032)",accepted,auto,runner-up Q301 Gazette (0.00)\n'
        'port-city,city,,,,,no-match,auto,"2 candidate(s), best Q100 Port City (0.00) '
        'below 0.30; rejected before: Q101"\n'
        "port-city,city,Q101,Port City,0.90,,rejected,curator,wrong port\n"
        "port-city-rally-2021-05,protest,,,,,no-match,auto,no candidates\n"
        "protesters,collective-group,,,,,no-match,auto,no candidates\n"
        "river-front,armed-group,,,,,no-match,auto,no candidates\n"
        "testland,state,Q11,Testland,,,accepted,curator,the novel: a test of the merge\n"
    )
    # no look-up at all for the entities a person settled
    assert "Testland" not in wikibase.searched()
    assert "Ada Writer" not in wikibase.searched()
    assert [r.entity for r in report.stale] == ["atlantis"]


def test_only_touches_the_named_entities(setup: Setup, wikibase: FakeWikibase) -> None:
    setup.run(setup.client(wikibase.url))
    lines = setup.links.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = [x.replace(",no candidates", ",checked by hand") for x in lines]
    setup.links.write_text("".join(edited), encoding="utf-8")
    wikibase.searches["River Front"] = [hit(WRITER)]
    setup.run(setup.client(wikibase.url), only=("testland",))
    assert setup.links.read_text(encoding="utf-8") == "".join(edited)


def test_only_with_an_unknown_id_is_a_usage_error(setup: Setup, wikibase: FakeWikibase) -> None:
    result = kg_link(setup, wikibase.url, "--only", "atlantis")
    assert (result.exit_code, result.stderr) == (
        2,
        "--only: no actor or place has the id 'atlantis'\n",
    )
    assert wikibase.count == 0


# --- a service in trouble -----------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(setup: Setup, wikibase: FakeWikibase) -> None:
    wikibase.script = [Reply(429, {"error": "too many requests"}, {"Retry-After": "3"})]
    client = setup.client(wikibase.url)
    assert client.search("Ada Writer") == [hit(WRITER)]
    assert setup.sleeps == [3.0]
    assert (wikibase.count, client.stats.requests, client.stats.retries) == (2, 2, 1)


def test_maxlag_error_with_http_200_is_retried(setup: Setup, wikibase: FakeWikibase) -> None:
    lagged = {
        "error": {
            "code": "maxlag",
            "info": "Waiting for 10.64.48.23: 7 seconds lagged",
            "host": "10.64.48.23",
            "lag": 7,
            "*": "See https://www.wikidata.org/w/api.php for API usage",
        },
        "servedby": "mw1234",
    }
    headers = {"Retry-After": "5", "MediaWiki-API-Error": "maxlag", "X-Database-Lag": "7"}
    wikibase.script = [Reply(200, lagged, headers), Reply(200, lagged)]
    client = setup.client(wikibase.url)
    assert client.search("Ada Writer") == [hit(WRITER)]
    assert setup.sleeps == [5.0, 0.02]  # Retry-After, then the backoff (0.01 * 2**1)


def test_503_then_success(setup: Setup, wikibase: FakeWikibase) -> None:
    wikibase.script = [Reply(503, b"<html>Service Temporarily Unavailable</html>")]
    assert setup.client(wikibase.url).search("Ada Writer") == [hit(WRITER)]
    assert setup.sleeps == [0.01]


def test_500_is_retried_then_gives_up(setup: Setup, wikibase: FakeWikibase) -> None:
    wikibase.always = Reply(500, b"Internal Server Error")
    with pytest.raises(ServiceError) as caught:
        setup.client(wikibase.url, retries=2).search("Ada Writer")
    assert str(caught.value) == (
        f"{wikibase.url}: wbsearchentities 'Ada Writer': the API is unavailable "
        "(HTTP 500; gave up after 3 attempt(s))"
    )
    assert wikibase.count == 3
    assert setup.sleeps == [0.01, 0.02]


def test_a_slow_answer_times_out(setup: Setup, wikibase: FakeWikibase) -> None:
    wikibase.always = Reply(200, {"search": []}, delay=1.0)
    client = setup.client(wikibase.url, retries=1, timeout=(2.0, 0.2))
    started = time.monotonic()
    with pytest.raises(ServiceError) as caught:
        client.search("Ada Writer")
    assert time.monotonic() - started < 0.9  # did not wait for the server
    assert str(caught.value) == (
        f"{wikibase.url}: wbsearchentities 'Ada Writer': the API is unavailable "
        "(timed out (connect 2 s, read 0.2 s); gave up after 2 attempt(s))"
    )


def test_malformed_json_is_never_trusted(setup: Setup, wikibase: FakeWikibase) -> None:
    wikibase.always = Reply(200, b'{"search": [{"id": "Q200", "label": ')
    with pytest.raises(ServiceError) as caught:
        setup.client(wikibase.url, retries=1).search("Ada Writer")
    assert str(caught.value) == (
        f"{wikibase.url}: wbsearchentities 'Ada Writer': the API is unavailable "
        "(the answer is not JSON; gave up after 2 attempt(s))"
    )


def test_an_api_error_is_not_retried(setup: Setup, wikibase: FakeWikibase) -> None:
    wikibase.always = Reply(
        200, {"error": {"code": "param-missing", "info": "The parameter search is required"}}
    )
    with pytest.raises(ServiceError) as caught:
        setup.client(wikibase.url).search("Ada Writer")
    assert str(caught.value) == (
        f"{wikibase.url}: wbsearchentities 'Ada Writer': API error param-missing: "
        "The parameter search is required"
    )
    assert (wikibase.count, setup.sleeps) == (1, [])


def test_a_refusal_is_not_retried(setup: Setup, wikibase: FakeWikibase) -> None:
    wikibase.always = Reply(403, b"Please set a user-agent and respect our robot policy.")
    with pytest.raises(ServiceError) as caught:
        setup.client(wikibase.url).search("Ada Writer")
    assert str(caught.value) == (
        f"{wikibase.url}: wbsearchentities 'Ada Writer': HTTP 403: "
        "Please set a user-agent and respect our robot policy."
    )
    assert wikibase.count == 1


def test_a_very_long_retry_after_ends_the_run(setup: Setup, wikibase: FakeWikibase) -> None:
    wikibase.always = Reply(429, b"", {"Retry-After": "3600"})
    with pytest.raises(ServiceError) as caught:
        setup.client(wikibase.url).search("Ada Writer")
    assert str(caught.value) == (
        f"{wikibase.url}: wbsearchentities 'Ada Writer': HTTP 429, and the server asks to "
        "wait 3600 s; try again later"
    )
    assert (wikibase.count, setup.sleeps) == (1, [])


def test_retry_after_as_an_http_date() -> None:
    import datetime as dt

    now = dt.datetime(2020, 1, 3, 0, 0, 0, tzinfo=dt.UTC)
    assert wd.retry_after("Fri, 03 Jan 2020 00:00:30 GMT", now) == 30.0
    assert wd.retry_after("Thu, 02 Jan 2020 23:00:00 GMT", now) == 0.0
    assert wd.retry_after("7") == 7.0
    assert wd.retry_after("soon") is None
    assert wd.retry_after(None) is None


def test_service_unavailable_changes_nothing(setup: Setup, wikibase: FakeWikibase) -> None:
    setup.run(setup.client(wikibase.url), only=("ada-writer",))
    before = setup.snapshot()
    assert len(before) == 3  # the links file and two cache entries
    wikibase.fail_after = wikibase.count + 2  # two more good answers, then 503 for good
    wikibase.always = Reply(503, b"", {"Retry-After": "0"})
    result = kg_link(setup, wikibase.url, "--links", str(setup.links))
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1,
        f"{wikibase.url}: wbgetentities Q300|Q301: the API is unavailable (HTTP 503; gave up "
        "after 5 attempt(s)); the links file and the cache are unchanged",
    )
    assert wikibase.count == 2 + 2 + 5
    assert setup.snapshot() == before


# --- the links file -----------------------------------------------------------------------------

BAD_FILES = [
    pytest.param(
        "entity,qid,status\n", "1: header: expected the columns " + HEADER.strip(), id="header"
    ),
    pytest.param(HEADER + "iraq,state,Q796\n", "2: row: expected 9 fields, found 3", id="fields"),
    pytest.param(
        HEADER + "Iraq,state,Q796,Iraq,,,accepted,curator,\n",
        "2: entity: 'Iraq' is not an entity id (a lowercase slug)",
        id="entity",
    ),
    pytest.param(
        HEADER + "iraq,state,Q796,Iraq,,,approved,curator,\n",
        "2: status: unknown status 'approved'; allowed: accepted, rejected, proposed, no-match",
        id="status",
    ),
    pytest.param(
        HEADER + "iraq,state,Q0796,Iraq,,,accepted,curator,\n",
        "2: qid: 'Q0796' is not a Wikidata item id (Q followed by digits, e.g. Q796)",
        id="qid",
    ),
    pytest.param(
        HEADER + "iraq,state,,Iraq,,,accepted,curator,\n",
        "2: qid: empty is not a Wikidata item id (Q followed by digits, e.g. Q796)",
        id="qid-missing",
    ),
    pytest.param(
        HEADER + "iraq,state,Q796,,,,no-match,curator,\n",
        "2: qid: a no-match row has no QID; leave qid empty",
        id="no-match-qid",
    ),
    pytest.param(
        HEADER + "iraq,state,Q796,Iraq,1.5,,accepted,auto,\n",
        "2: score: '1.5' is not a number from 0 to 1",
        id="score",
    ),
    pytest.param(
        HEADER + "iraq,state,Q796,Iraq,,,accepted,,\n",
        "2: decided_by: empty; write auto, or who decided (e.g. curator)",
        id="decided-by",
    ),
    pytest.param(
        HEADER + "iraq,state,Q796,Iraq,,,rejected,auto,\n",
        "2: decided_by: only a person rejects a link: write who decided (e.g. curator)",
        id="auto-rejection",
    ),
    pytest.param(
        HEADER + "iraq,state,Q796,Iraq,,,rejected,jd,\niraq,state,Q796,Iraq,,,rejected,jd,\n",
        "3: qid: Q796 for 'iraq' is already on line 2",
        id="duplicate",
    ),
    pytest.param(
        HEADER + "iraq,state,Q796,Iraq,,,accepted,jd,\n\niraq,state,Q797,Iraq,,,proposed,auto,\n",
        "4: entity: 'iraq' already has a accepted row (line 2); keep one accepted, "
        "proposed or no-match row per entity",
        id="two-current-rows",
    ),
    pytest.param(
        HEADER + 'iraq,state,Q796,"Iraq,,,accepted,jd,\n',
        "2: row: not valid CSV (unexpected end of data)",
        id="open-quote",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_malformed_links_file_is_a_located_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "wikidata.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_links(path)
    assert str(caught.value) == f"{path}:{message}"


def test_every_problem_of_a_links_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "wikidata.csv"
    path.write_text(
        HEADER + "iraq,state,Q796,Iraq,,,ok,jd,\nsyria,state,X1,Syria,,,accepted,jd,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        read_links(path)
    assert str(caught.value).splitlines() == [
        f"{path}:2: status: unknown status 'ok'; allowed: accepted, rejected, proposed, no-match",
        f"{path}:3: qid: 'X1' is not a Wikidata item id (Q followed by digits, e.g. Q796)",
    ]


def test_the_links_file_is_sorted_and_stable(tmp_path: Path) -> None:
    rows = [
        LinkRow("b", "city", "Q10", "B", "", "", Status.REJECTED, "jd", ""),
        LinkRow("b", "city", "Q9", "B", "", "", Status.REJECTED, "jd", ""),
        LinkRow("b", "city", "Q11", "B", "0.50", "", Status.PROPOSED, "auto", ""),
        LinkRow("a", "person", "", "", "", "", Status.NO_MATCH, "auto", 'say "no", twice'),
    ]
    data = render_links(rows)
    assert data.decode() == HEADER + (
        'a,person,,,,,no-match,auto,"say ""no"", twice"\n'
        "b,city,Q11,B,0.50,,proposed,auto,\n"
        "b,city,Q9,B,,,rejected,jd,\n"
        "b,city,Q10,B,,,rejected,jd,\n"
    )
    assert render_links(reversed(rows)) == data
    path = tmp_path / "links.csv"
    path.write_bytes(data)
    assert render_links(read_links(path)) == data


# --- links in the graph ---------------------------------------------------------------------------


def test_build_turns_accepted_links_into_exact_match(setup: Setup) -> None:
    setup.links.parent.mkdir()
    setup.links.write_text(
        HEADER
        + "port-city,city,Q101,Port City,0.55,,proposed,auto,\n"
        + "river-front,armed-group,Q400,River Front,,,rejected,jd,\n"
        + "testland,state,Q10,Testland,,,accepted,jd,\n",
        encoding="utf-8",
    )
    compiled = build(setup.extractions, ONTOLOGY, None, links=setup.links)
    links = [t for t in compiled.data if t[1] == SKOS.exactMatch]
    assert links == [
        (ID["actor/testland"], SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q10"))
    ]
    assert graph_payloads(compiled)[LINKS_GRAPH] == (
        b"<https://w3id.org/newskg/id/actor/testland> <http://www.w3.org/2004/02/skos/core#exactMatch>"
        b" <http://www.wikidata.org/entity/Q10> .\n"
    )
    # the CLI finds links/wikidata.csv beside the extractions folder by itself
    out = setup.extractions.parent / "build"
    result = kg("build", "-e", str(setup.extractions), "--ontology", str(ONTOLOGY), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert (
        "<https://w3id.org/newskg/id/actor/testland> <http://www.w3.org/2004/02/skos/core#exactMatch>"
        " <http://www.wikidata.org/entity/Q10> ."
    ) in (out / "kg.nt").read_text(encoding="utf-8")


@pytest.mark.parametrize("module", ["kg.links", "kg.build", "kg.export"])
def test_a_build_does_not_import_the_http_client(module: str) -> None:
    """Reading the links file is kg.links' job; only kg link needs kg.wikidata and requests."""
    check = (
        f"import sys, {module}; "
        "print(sorted(m for m in ('requests', 'kg.wikidata', 'kg.linking') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_without_a_links_file_there_are_no_links(setup: Setup) -> None:
    compiled = build(setup.extractions, ONTOLOGY, None)
    assert not [t for t in compiled.data if t[1] == SKOS.exactMatch]
    result = kg(
        "validate",
        "-e",
        str(setup.extractions),
        "--ontology",
        str(ONTOLOGY),
        "--links",
        str(setup.links),
    )
    assert (result.exit_code, result.stderr) == (1, f"{setup.links}: links file not found\n")


def test_build_refuses_links_to_unknown_entities(setup: Setup) -> None:
    entity, why = "atlantis", "no actor, place or event has this id"
    setup.links.parent.mkdir()
    setup.links.write_text(HEADER + f"{entity},city,Q1,X,,,accepted,jd,\n", encoding="utf-8")
    result = kg(
        "build",
        "-e",
        str(setup.extractions),
        "--ontology",
        str(ONTOLOGY),
        "-o",
        str(setup.extractions.parent / "build"),
    )
    assert (result.exit_code, result.stderr) == (
        1,
        f"{setup.links}:2: entity: cannot link '{entity}': {why}; only actors, places and "
        "events are linked\n",
    )
    assert not (setup.extractions.parent / "build").exists()


def test_an_event_links_to_wikidata_too(setup: Setup) -> None:
    setup.links.parent.mkdir()
    setup.links.write_text(
        HEADER + "port-city-rally-2021-05,protest,Q1,X,,,accepted,jd,\n", encoding="utf-8"
    )
    out = setup.extractions.parent / "build"
    result = kg("build", "-e", str(setup.extractions), "--ontology", str(ONTOLOGY), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    g = Graph().parse(out / "kg.nt", format="nt")
    assert (ID["event/port-city-rally-2021-05"], SKOS.exactMatch, URIRef(WIKIDATA + "Q1")) in g


def test_a_malformed_links_file_stops_the_build(setup: Setup) -> None:
    setup.links.parent.mkdir()
    setup.links.write_text(HEADER + "testland,state,Q10,Testland,,,accepted,,\n", encoding="utf-8")
    result = kg("validate", "-e", str(setup.extractions), "--ontology", str(ONTOLOGY))
    assert (result.exit_code, result.stderr) == (
        1,
        f"{setup.links}:2: decided_by: empty; write auto, or who decided (e.g. curator)\n",
    )


@pytest.mark.parametrize("validator", list(Validator))
@pytest.mark.parametrize(
    ("subject", "who"), [("actor/river-front", "An actor"), ("place/port-city", "A place")]
)
def test_the_shapes_check_the_qid_form(
    setup: Setup, validator: Validator, subject: str, who: str
) -> None:
    graph, where = convert(load_corpus(setup.extractions, setup.vocab))
    node = ID[subject]
    bad = URIRef("http://www.wikidata.org/entity/Q0123")
    graph.add((node, SKOS.exactMatch, bad))
    graph.add((node, SKOS.exactMatch, URIRef("http://www.wikidata.org/entity/Q123")))
    where[(node, SKOS.exactMatch)] = Location("links/wikidata.csv", 7, "qid")
    errors: list[KgError] = check(
        graph,
        load("shapes.ttl", ONTOLOGY),
        load("ontology.ttl", ONTOLOGY),
        where,
        validator,
    )
    assert [str(e) for e in errors] == [
        f"links/wikidata.csv:7: qid: {who}'s Wikidata link (skos:exactMatch, from "
        "links/wikidata.csv) must be http://www.wikidata.org/entity/ followed by an item id "
        f"such as Q796. (value: <{bad}>)"
    ]
