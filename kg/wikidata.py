"""A polite client for the Wikidata (Wikibase) API: one request at a time, retries that
honour ``Retry-After``, and an on-disk cache so that a second run makes no requests.

Politeness, as the Wikimedia API etiquette asks: a User-Agent naming the tool and a contact
(``CONTACT``), ``maxlag=5`` on every request, explicit connect and read timeouts, and a bounded
number of retries with backoff on HTTP 429, HTTP 5xx and the ``maxlag`` error (which arrives
with HTTP 200 and an ``{"error": {"code": "maxlag"}}`` body).

The cache holds one JSON file per request (``CACHE/<sha256 of URL and parameters>.json``) with
the answer and its checksum. An entry that does not parse or whose checksum does not match is
logged and ignored, never trusted. New answers are kept in memory until ``commit()``: a run that
fails leaves the cache as it was.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

from . import __version__
from .choices import WIKIDATA_API_URL, WIKIDATA_CACHE_DIR
from .errors import FileError, Location, ServiceError
from .fsutil import located, read_regular, write_atomic
from .links import qid_order

CONTACT = "https://github.com/newskg/newskg; newskg@example.org"
"""Who to tell when kg misbehaves: sent in the User-Agent of every request."""

USER_AGENT = f"newskg/{__version__} ({CONTACT}) python-requests/{requests.__version__}"
API_URL = WIKIDATA_API_URL
CACHE_DIR = WIKIDATA_CACHE_DIR
TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
MAXLAG = 5  # seconds of replication lag beyond which the API asks bots to wait
RETRIES = 4  # retries after the first attempt
BACKOFF = 2.0  # seconds; the n-th retry waits BACKOFF * 2**n unless Retry-After says otherwise
MAX_WAIT = 120.0  # a Retry-After longer than this ends the run instead of waiting
BATCH = 50  # ids per wbgetentities call (the API's limit)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

Json = dict[str, Any]

log = logging.getLogger(__name__)


@dataclass
class Stats:
    """What a client did: HTTP requests sent (retries included), answers from the cache."""

    requests: int = 0
    cached: int = 0
    retries: int = 0


class _Transient(Exception):
    """A failure worth retrying: ``reason`` for people, ``retry_after`` from the server."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def cache_key(url: str, params: dict[str, str]) -> str:
    """The cache file name of a request: sha256 of the URL and its sorted parameters."""
    return hashlib.sha256(f"{url}?{urlencode(sorted(params.items()))}".encode()).hexdigest()


def checksum(body: Json) -> str:
    """sha256 of the canonical JSON of an answer."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def describe(params: dict[str, str]) -> str:
    """A request in a few words, for messages: ``wbsearchentities 'Iraq'``."""
    action = params.get("action", "?")
    if "search" in params:
        return f"{action} {params['search']!r}"
    if "ids" in params:
        return f"{action} {params['ids']}"
    return action


class Client:
    """The Wikidata API, through a cache. ``sleep`` and ``backoff`` are injectable for tests."""

    def __init__(
        self,
        api_url: str = API_URL,
        cache_dir: Path | None = CACHE_DIR,
        *,
        offline: bool = False,
        timeout: tuple[float, float] = TIMEOUT,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        max_wait: float = MAX_WAIT,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url
        self.cache_dir = cache_dir
        self.offline = offline
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        self.stats = Stats()
        self._pending: dict[str, tuple[dict[str, str], Json]] = {}

    # -- the API -------------------------------------------------------------------------------

    def search(self, text: str, language: str = "en", limit: int = 10) -> list[Json]:
        """``wbsearchentities``: items whose label or alias matches ``text``, best first."""
        body = self.get(
            {
                "action": "wbsearchentities",
                "search": text,
                "language": language,
                "uselang": language,
                "type": "item",
                "limit": str(limit),
            }
        )
        hits = body.get("search")
        if not isinstance(hits, list):
            return []
        return [h for h in hits if isinstance(h, dict) and isinstance(h.get("id"), str)]

    def entities(
        self,
        ids: Iterable[str],
        props: str = "labels|aliases|descriptions|claims",
        language: str = "en",
    ) -> dict[str, Json]:
        """``wbgetentities`` in batches of 50, sorted; missing items are left out."""
        wanted = sorted(set(ids), key=qid_order)
        found: dict[str, Json] = {}
        for start in range(0, len(wanted), BATCH):
            body = self.get(
                {
                    "action": "wbgetentities",
                    "ids": "|".join(wanted[start : start + BATCH]),
                    "props": props,
                    "languages": language,
                }
            )
            entities = body.get("entities")
            if not isinstance(entities, dict):
                continue
            for key, entity in entities.items():
                if isinstance(entity, dict) and "missing" not in entity:
                    found[str(key)] = entity
        return found

    # -- requests through the cache -------------------------------------------------------------

    def get(self, params: dict[str, str]) -> Json:
        """One API answer: from this run, from the cache, or (unless offline) from the API."""
        full = {**params, "format": "json", "maxlag": str(MAXLAG)}
        key = cache_key(self.api_url, full)
        if key in self._pending:
            self.stats.cached += 1
            return self._pending[key][1]
        cached = self.read_cache(key, full)
        if cached is not None:
            self.stats.cached += 1
            return cached
        if self.offline:
            raise ServiceError(
                f"offline, and {describe(full)} is not in the cache "
                f"({self.cache_dir}); run once without --offline",
                Location(self.api_url),
            )
        body = self._fetch(full)
        self._pending[key] = (full, body)
        return body

    def commit(self) -> int:
        """Write the answers fetched since the last commit to the cache; return how many.

        Each entry is written atomically; on an OSError (a full disk, a read-only folder) a
        ``FileError`` at the entry's path ends the commit, and the answers not yet written
        stay pending."""
        if self.cache_dir is None:
            self._pending.clear()
            return 0
        written = 0
        for key, (params, body) in sorted(self._pending.items()):
            entry = {"url": self.api_url, "params": params, "sha256": checksum(body), "body": body}
            text = json.dumps(entry, sort_keys=True, ensure_ascii=False)
            path = self.cache_dir / f"{key}.json"
            with located(path, "cannot write the cache"):
                write_atomic(path, (text + "\n").encode("utf-8"))
            del self._pending[key]
            written += 1
        self._pending.clear()
        return written

    def read_cache(self, key: str, params: dict[str, str]) -> Json | None:
        """The cached answer to ``params`` (its file ``key``.json), if it is there, whole and
        written for this API and these parameters; else None (a damaged entry is logged)."""
        if self.cache_dir is None:
            return None
        path = self.cache_dir / f"{key}.json"
        if not os.path.lexists(path):
            return None
        problem = None
        body: Any = None
        try:
            entry = json.loads(read_regular(path).decode("utf-8"))  # never blocks on a FIFO
        except FileError as e:
            problem = e.message
        except (UnicodeDecodeError, ValueError):
            problem = "not valid JSON"
        else:
            body = entry.get("body") if isinstance(entry, dict) else None
            if not isinstance(body, dict):
                problem = "not a cache entry"
            elif entry.get("sha256") != checksum(body):
                problem = "checksum mismatch"
            elif entry.get("url") != self.api_url or entry.get("params") != params:
                problem = "written for another request"
        if problem is not None:
            then = "ignored (offline)" if self.offline else "fetching it again"
            log.warning("%s: corrupted cache entry (%s): %s", path, problem, then)
            return None
        result: Json = body
        return result

    def _fetch(self, params: dict[str, str]) -> Json:
        attempts = self.retries + 1
        last = _Transient("no attempt")
        for attempt in range(attempts):
            try:
                return self._once(params)
            except _Transient as transient:
                last = transient
            if attempt + 1 == attempts:
                break
            wait = last.retry_after
            if wait is None:
                wait = self.backoff * 2**attempt
            if wait > self.max_wait:
                raise ServiceError(
                    f"{describe(params)}: {last.reason}, and the server asks to wait "
                    f"{wait:g} s; try again later",
                    Location(self.api_url),
                )
            self.stats.retries += 1
            self.sleep(wait)
        raise ServiceError(
            f"{describe(params)}: the API is unavailable ({last.reason}; "
            f"gave up after {attempts} attempt(s))",
            Location(self.api_url),
        )

    def _once(self, params: dict[str, str]) -> Json:
        self.stats.requests += 1
        try:
            response = self.session.get(self.api_url, params=params, timeout=self.timeout)
        except requests.Timeout:
            connect, read = self.timeout
            raise _Transient(f"timed out (connect {connect:g} s, read {read:g} s)") from None
        except requests.ConnectionError:
            raise _Transient("cannot connect") from None
        except requests.RequestException as e:
            raise ServiceError(
                f"{describe(params)}: request failed: {e}", Location(self.api_url)
            ) from None
        wait = retry_after(response.headers.get("Retry-After"))
        if response.status_code in RETRY_STATUS:
            raise _Transient(f"HTTP {response.status_code}", wait)
        if response.status_code >= 400:
            detail = " ".join(response.text.split())[:200] or response.reason
            raise ServiceError(
                f"{describe(params)}: HTTP {response.status_code}: {detail}",
                Location(self.api_url),
            )
        try:
            body = response.json()
        except ValueError:
            raise _Transient("the answer is not JSON") from None
        if not isinstance(body, dict):
            raise _Transient("the answer is not a JSON object")
        error = body.get("error")
        if isinstance(error, dict):
            code = str(error.get("code", "?"))
            info = str(error.get("info", "")).strip()
            if code == "maxlag":
                raise _Transient(f"maxlag: {info}" if info else "maxlag", wait)
            raise ServiceError(
                f"{describe(params)}: API error {code}: {info}", Location(self.api_url)
            )
        return body


def cached_names(cache_dir: Path, api_url: str = API_URL) -> dict[str, list[str]]:
    """The English label and aliases of every item the cache holds an answer for (QID ->
    names), read offline: only ``wbgetentities`` answers written for ``api_url`` whose name
    and checksum are right count (a damaged entry is logged and skipped, as a client would)."""
    names: dict[str, list[str]] = {}
    if not cache_dir.is_dir():
        return names
    client = Client(api_url, cache_dir, offline=True)
    for path in sorted(cache_dir.glob("*.json")):
        try:
            entry = json.loads(read_regular(path).decode("utf-8"))
        except (FileError, UnicodeDecodeError, ValueError):
            continue
        params = entry.get("params") if isinstance(entry, dict) else None
        if not isinstance(params, dict) or params.get("action") != "wbgetentities":
            continue
        if path.stem != cache_key(api_url, params):
            continue  # another API's answer, or a file that is not a cache entry
        body = client.read_cache(path.stem, params)
        entities = body.get("entities") if body is not None else None
        for qid, item in sorted((entities or {}).items()):
            if isinstance(item, dict):
                found = [n for n in (label(item), *aliases(item)) if n]
                if found:
                    names[qid] = found
    return names


# --- reading entity JSON ---------------------------------------------------------------------


def label(entity: Json, language: str = "en") -> str | None:
    value = (entity.get("labels") or {}).get(language)
    return str(value["value"]) if isinstance(value, dict) and "value" in value else None


def description(entity: Json, language: str = "en") -> str | None:
    value = (entity.get("descriptions") or {}).get(language)
    return str(value["value"]) if isinstance(value, dict) and "value" in value else None


def aliases(entity: Json, language: str = "en") -> list[str]:
    values = (entity.get("aliases") or {}).get(language) or []
    return [str(v["value"]) for v in values if isinstance(v, dict) and "value" in v]


def claim_ids(entity: Json, prop: str) -> list[str]:
    """The item ids a property points to (``P31``: instance of, ``P279``: subclass of)."""
    found: list[str] = []
    for claim in (entity.get("claims") or {}).get(prop) or []:
        try:
            value = claim["mainsnak"]["datavalue"]["value"]["id"]
        except (KeyError, TypeError):
            continue  # novalue / somevalue snaks
        if isinstance(value, str) and value not in found:
            found.append(value)
    return found
