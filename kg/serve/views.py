"""What each page shows, as plain data for the templates: read from the built graph through
the project's engine (so every page query runs under its timeout and row limit).

Pages show the model generically where they can: an attributed node (a report, a figure, a
quote, a relation, a stance...) is shown with every property it has, labelled from the graph,
so predicates added to the ontology appear without changes here. Differences between
articles' accounts of an event are computed here (``mark_differences``), not in the templates.
What a stored query defines is read from it, never defined again here: the disagreements and
the home page's count (``disagreements``), relations, framing words, stances, citations and
causes (``relations``, ``framing``, ``stances``, ``cited-works``, ``cause-chains``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import RDF, XSD

from .. import queries as q
from ..engine import Engine
from ..errors import UsageError
from ..namespaces import BASE, ID, NKG, PREFIXES, N
from ..results import Labeller, Term, compact

T = TypeVar("T")

PRECISION = {
    str(XSD.date): "day",
    str(XSD.gYearMonth): "month",
    str(XSD.gYear): "year",
    str(XSD.gMonthDay): "day, year not given",
    str(XSD.dateTime): "time",
}
"""Words for the precision of a date literal, by datatype."""

HIDDEN = frozenset((str(N.statedIn), str(N.mentionedIn), str(RDF.type)))
"""Properties an attributed node's table leaves out (its article and class are shown apart)."""

INCOMING_LIMIT = 500
"""Incoming triples a node page lists, at most (a country may have thousands)."""
NODE_LIMIT = 300
"""Attributed nodes of one kind a page shows, at most (the SPARQL endpoint has them all)."""
ARTICLE_LIMIT = 2000
"""Nodes an article's page shows, at most."""
COLUMN_LIMIT = 40
"""Accounts an event's page (figures a disagreement) puts side by side, at most."""
HOME_LIMIT = 100
"""Articles the home page lists (the articles index has them all)."""
PAGE_SIZE = 500
"""Entries per page of an index."""
GROUP_PAGE = 50
"""Quantities per page of the disagreements."""
EVENT_PAGE = 200
"""Events per page of the timeline."""

_IRI_TEXT = re.compile(r"[^\x00-\x20<>\"{}|^`\\\x7f]*")


def iri_term(term: Term) -> str:
    """An IRI as a SPARQL term, for a query the explorer writes (values it reads from the
    graph, or that name a node found in it); anything that is not a plain IRI is refused."""
    if not isinstance(term, URIRef) or not _IRI_TEXT.fullmatch(str(term)):
        raise UsageError(f"not an IRI: {str(term)[:80]!r}")
    return f"<{term}>"


@dataclass(frozen=True)
class Cell:
    """One value for people: its text, the site path it links to (``href``, for IRIs under
    the base), the IRI, and a note (a literal's datatype or precision, a language)."""

    text: str
    href: str | None = None
    iri: str | None = None
    note: str | None = None
    quote: bool = False  # an evidence quote (shown as a quotation)

    @property
    def key(self) -> str:
        """What two cells must share to say the same thing."""
        return self.iri or self.text


@dataclass
class Row:
    """A property and its values; ``differs`` when other accounts give other values."""

    name: str
    prop: str
    cells: list[list[Cell]]
    differs: bool = False


@dataclass
class Node:
    """An attributed node: what it is, the article that states it, and its properties."""

    cell: Cell
    kind: Cell | None
    article: Cell | None
    props: list[Row] = field(default_factory=list)


class Nodes(list[Node]):
    """Nodes, and whether there were more than were read (``more``)."""

    more: bool = False


def path_of(iri: str) -> str | None:
    """The site path of an IRI under the base IRI (``id/actor/x``, ``vocab/role/agent``,
    ``ontology#Actor``), else None."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE) :]
    return rest or None


class Views:
    """The page data of one loaded graph. The graph does not change while it is served, so
    the pages that take no node (home, indexes, disagreements, timeline) are made once."""

    def __init__(self, engine: Engine, stored: dict[str, q.StoredQuery]) -> None:
        self.engine = engine
        self.stored_queries = stored
        self.graph = engine.lookup
        self.label = Labeller(engine.lookup)
        self._made: dict[tuple[Any, ...], Any] = {}

    def once(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """``make()``, made once per ``key``."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]  # type: ignore[no-any-return]

    # --- basics -------------------------------------------------------------------------------

    def select(self, text: str, **bindings: Term) -> list[dict[str, Term]]:
        rows = self.engine.select(
            text, {Variable(k): v for k, v in bindings.items()}, "<page query>"
        )
        return [dict(zip(rows.variables, row, strict=True)) for row in rows.rows]

    def stored(
        self, name: str, bound: dict[str, Term] | None = None, **params: str
    ) -> list[dict[str, Term]]:
        """The rows of the stored query ``name`` (parameters as on the command line), run as
        the stored-query pages run it; ``bound``: result columns given a value (only the rows
        with that value: ``article=IRI`` for one article's rows of a query without that
        parameter)."""
        sq = self.stored_queries.get(name)
        if sq is None:
            raise UsageError(f"the explorer needs the stored query {name!r}, not in the queries")
        bindings = q.bind(sq, params, self.engine.lookup)
        bindings.update({Variable(k): v for k, v in (bound or {}).items()})
        rows = self.engine.select(sq.text, bindings, sq.path.name)
        return [dict(zip(rows.variables, row, strict=True)) for row in rows.rows]

    def table(self, rows: list[dict[str, Term]], columns: Sequence[str]) -> dict[str, Any]:
        """Stored-query rows as a table of ``columns`` (at most ``NODE_LIMIT`` rows)."""
        return {
            "variables": list(columns),
            "rows": [[self.text(r.get(c)) for c in columns] for r in rows[:NODE_LIMIT]],
            "more": len(rows) > NODE_LIMIT,
        }

    def exists(self, iri: URIRef) -> bool:
        return (iri, None, None) in self.graph or (None, None, iri) in self.graph  # type: ignore[operator]

    def cell(self, term: Term) -> Cell:
        if term is None:
            return Cell("")
        if isinstance(term, URIRef):
            iri = str(term)
            text = self.label(term) or compact(iri)
            return Cell(text, path_of(iri), iri)
        if isinstance(term, BNode):
            return Cell(f"_:{term}")
        note = None
        if term.datatype is not None:
            dtype = str(term.datatype)
            note = PRECISION.get(dtype) or (
                None if dtype in (str(XSD.string), str(XSD.integer)) else compact(dtype)
            )
        elif term.language:
            note = term.language
        return Cell(str(term), note=note)

    def text(self, term: Term) -> Cell:
        """A stored query's value as a person reads it: a literal as its text (a label's
        language is not noted), anything else as ``cell`` shows it."""
        return Cell(str(term)) if isinstance(term, Literal) else self.cell(term)

    def value_cell(self, prop: str, term: Term) -> Cell:
        """A property's value; an evidence node is shown as its quote."""
        if prop == str(N.evidence) and isinstance(term, URIRef):
            exact = self.graph.value(term, N.exact) if self.graph is not None else None
            if exact is not None:
                return Cell(str(exact), path_of(str(term)), str(term), quote=True)
        return self.cell(term)

    def prop_name(self, prop: str) -> str:
        return self.label(URIRef(prop)) or compact(prop)

    # --- attributed nodes -----------------------------------------------------------------

    def nodes(self, inner: str, limit: int = NODE_LIMIT, **iris: URIRef) -> Nodes:
        """The nodes ``?n`` the ``inner`` group pattern selects (its variables named in
        ``iris`` bound to those IRIs), at most ``limit`` of them, each with all its
        properties, in the order of their article and IRI."""
        values = "".join(f"VALUES ?{name} {{ {iri_term(iri)} }} " for name, iri in iris.items())
        chosen = self.select(
            f"SELECT DISTINCT ?n WHERE {{ {values}{inner} }} ORDER BY ?n LIMIT {limit + 1}"
        )
        props: dict[Term, dict[str, list[Term]]] = {}
        if chosen:
            # (a second query with the nodes as VALUES: joined to a subquery, pyoxigraph
            # would scan every triple)
            listed = " ".join(iri_term(r["n"]) for r in chosen if isinstance(r["n"], URIRef))
            for row in self.select(
                f"SELECT ?n ?p ?o WHERE {{ VALUES ?n {{ {listed} }} ?n ?p ?o }}"
            ):
                props.setdefault(row["n"], {}).setdefault(str(row["p"]), []).append(row["o"])
        more = len(props) > limit
        if more:
            props.pop(max(props, key=lambda t: "" if t is None else str(t)))
        found = Nodes()
        found.more = more
        for n, by_prop in props.items():
            article = (by_prop.get(str(N.statedIn)) or by_prop.get(str(N.mentionedIn)) or [None])[0]
            kind = (by_prop.get(str(RDF.type)) or [None])[0]
            rows = [
                Row(self.prop_name(p), p, [[self.value_cell(p, o) for o in _sorted(values)]])
                for p, values in sorted(by_prop.items(), key=lambda kv: self.prop_name(kv[0]))
                if p not in HIDDEN
            ]
            found.append(
                Node(
                    self.cell(n),
                    self.cell(kind) if kind is not None else None,
                    self.cell(article) if article is not None else None,
                    rows,
                )
            )
        found.sort(key=lambda n: ((n.article.text if n.article else ""), n.cell.key))
        return found

    def described(self, iri: URIRef) -> dict[str, Any]:
        """A node's outgoing triples (property rows) and incoming ones (subject, property),
        at most ``INCOMING_LIMIT`` of those."""
        out: dict[str, list[Term]] = {}
        for row in self.select(f"SELECT ?p ?o WHERE {{ {iri_term(iri)} ?p ?o }}"):
            out.setdefault(str(row["p"]), []).append(row["o"])
        outgoing = [
            Row(self.prop_name(p), p, [[self.value_cell(p, o) for o in _sorted(values)]])
            for p, values in sorted(out.items(), key=lambda kv: self.prop_name(kv[0]))
        ]
        rows = self.select(
            f"SELECT ?s ?p WHERE {{ ?s ?p {iri_term(iri)} }} LIMIT {INCOMING_LIMIT + 1}"
        )  # (no ORDER BY: the limit then stops the scan; sorted here)
        ordered = sorted(rows[:INCOMING_LIMIT], key=lambda r: (str(r["p"]), str(r["s"])))
        incoming = [(self.cell(r["s"]), self.cell(r["p"])) for r in ordered]
        return {
            "outgoing": outgoing,
            "incoming": incoming,
            "more_incoming": len(rows) > INCOMING_LIMIT,
        }

    # --- pages --------------------------------------------------------------------------------

    def home(self) -> dict[str, Any]:
        return self.once(("home",), self._home)

    def _home(self) -> dict[str, Any]:
        counts = self.select(
            "SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?class . "
            "FILTER(STRSTARTS(STR(?class), STR(nkg:))) } GROUP BY ?class ORDER BY DESC(?n) ?class"
        )
        actors = self.select(
            "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a/rdfs:subClassOf* nkg:Actor }"
        )
        articles = self.select(
            "SELECT ?a ?date WHERE { ?a a nkg:Article . OPTIONAL { ?a nkg:publicationDate ?date } }"
            f" ORDER BY DESC(?date) ?a LIMIT {HOME_LIMIT + 1}"
        )
        top = self.select(
            "SELECT ?e (COUNT(DISTINCT ?a) AS ?n) WHERE { ?m nkg:denotes ?e ; nkg:mentionedIn ?a }"
            " GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 24"
        )
        events = self.select(
            "SELECT ?e (COUNT(DISTINCT ?a) AS ?n) WHERE { ?r nkg:reports ?e ; nkg:statedIn ?a }"
            " GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 24"
        )
        return {
            "counts": [(self.cell(r["class"]), _int(r["n"])) for r in counts],
            "actors": _int(actors[0]["n"]) if actors else 0,
            "articles": [(self.cell(r["a"]), self.cell(r["date"])) for r in articles[:HOME_LIMIT]],
            "more_articles": len(articles) > HOME_LIMIT,
            "top": [(self.cell(r["e"]), _int(r["n"])) for r in top],
            "events": [(self.cell(r["e"]), _int(r["n"])) for r in events],
            "disagreements": sum(g["comparison"] == "differs" for g in self.disagreement_groups()),
        }

    def index(self, kind: str, page: int = 1) -> dict[str, Any]:
        """The ``page``-th ``PAGE_SIZE`` actors, places, events or articles (``kind``): each,
        its type, and how many articles mention or report it."""
        if page != 1:  # (any page a visitor asks for: not kept)
            return self._index(kind, page)
        return self.once(("index", kind), lambda: self._index(kind, 1))

    def _index(self, kind: str, page: int) -> dict[str, Any]:
        space = str(ID) + kind + "/"
        rows = self.select(
            "SELECT ?e ?type (COUNT(DISTINCT ?a) AS ?n) WHERE { { SELECT DISTINCT ?e WHERE {"
            f" ?e a ?c . FILTER(STRSTARTS(STR(?e), {Literal(space).n3()})) }} ORDER BY ?e"
            f" LIMIT {PAGE_SIZE + 1} OFFSET {(page - 1) * PAGE_SIZE} }} ?e a ?type ."
            " OPTIONAL { { ?m nkg:denotes ?e ; nkg:mentionedIn ?a } UNION"
            " { ?r nkg:reports ?e ; nkg:statedIn ?a } UNION { ?e nkg:title ?t . BIND(?e AS ?a) } }"
            " } GROUP BY ?e ?type ORDER BY ?e ?type"
        )
        entities = sorted({str(r["e"]) for r in rows})
        keep = set(entities[:PAGE_SIZE])
        items = [
            (self.cell(r["e"]), self.cell(r["type"]), _int(r["n"]))
            for r in rows
            if str(r["e"]) in keep
        ]
        return {"items": items, "page": page, "more": len(entities) > PAGE_SIZE}

    def article(self, iri: URIRef) -> dict[str, Any]:
        nodes = self.nodes(
            "{ ?n nkg:statedIn ?a } UNION { ?n nkg:mentionedIn ?a }", ARTICLE_LIMIT, a=iri
        )
        groups: dict[str, list[Node]] = {}
        for node in nodes:
            groups.setdefault(node.kind.text if node.kind else "", []).append(node)
        mine: dict[str, Term] = {"article": iri}
        return {
            "groups": sorted(groups.items()),
            "more": nodes.more,
            **{
                key: self.table(self.stored(query, mine), columns)
                for key, query, columns in ARTICLE_TABLES
            },
        }

    def entity(self, iri: URIRef) -> dict[str, Any]:
        """An actor or place: its mentions per article (spellings, titles and framing words
        from ``framing``), the relations each article states with it on either side
        (``relations``), and every attributed node that points to it, by kind."""
        mentions = self.nodes("?n nkg:denotes ?e", e=iri)
        pointing = self.nodes(
            "?n ?via ?e ; nkg:statedIn ?a . FILTER(?via != nkg:denotes)",
            e=iri,
        )
        groups: dict[str, list[Node]] = {}
        for node in pointing:
            groups.setdefault(node.kind.text if node.kind else "", []).append(node)
        wikidata = [
            self.cell(r["w"])
            for r in self.select(
                f"SELECT ?w WHERE {{ {iri_term(iri)} skos:exactMatch ?w }} ORDER BY ?w"
            )
        ]
        words: dict[str, dict[str, list[Cell]]] = {}
        for r in self.stored("framing", entity=str(iri)):
            said = words.setdefault(str(r["article"]), {})
            said.setdefault(str(r["aspect"]), []).append(self.text(r["words"]))
        relations = self.stored("relations", actor=str(iri))
        shown = ("relation", "office", "wording", "since", "modality", "credited", "article",
                 "evidence")  # fmt: skip
        return {
            "mentions": mentions,
            "words": words,
            "relations_out": self.table(
                [r for r in relations if r["subject"] == iri], ("object", *shown)
            ),
            "relations_in": self.table(
                [r for r in relations if r["subject"] != iri], ("subject", *shown)
            ),
            "groups": sorted(groups.items()),
            "more": mentions.more or pointing.more,
            "wikidata": wikidata,
        }

    def event(self, iri: URIRef) -> dict[str, Any]:
        """Each article's account of the event side by side: its report's properties, then the
        participants, figures and statements it gives, one column per report (at most
        ``COLUMN_LIMIT``); a row is marked where the accounts differ."""
        reports = self.nodes("?n nkg:reports ?e", COLUMN_LIMIT, e=iri)
        columns = [r.article for r in reports]
        table: dict[str, Row] = {}
        for i, report in enumerate(reports):
            for row in report.props:
                if row.prop == str(N.reports):
                    continue
                target = table.setdefault(row.prop, Row(row.name, row.prop, [[] for _ in reports]))
                target.cells[i] = row.cells[0]
        merge_modality(table)
        participants = Row("participants", "participants", [[] for _ in reports])
        # only what the shown accounts' articles say
        shown = " ".join(iri_term(URIRef(c.iri)) for c in columns if c is not None and c.iri)
        for r in self.select(
            f"SELECT ?a ?x ?r ?m WHERE {{ VALUES ?a {{ {shown} }} ?p nkg:inEvent {iri_term(iri)} ;"
            " nkg:statedIn ?a ; nkg:participant ?x ; nkg:role ?r ."
            " OPTIONAL { ?p nkg:modality ?m } } ORDER BY ?x ?r ?m"
        ):
            _put(participants, columns, r["a"], self._participant(r))
        table["participants"] = participants
        links = Row("causes and responses", "links", [[] for _ in reports])
        for r in self.stored("cause-chains", event=str(iri)):
            if iri in (r["from"], r["to"]):  # (not the rest of the article's chain)
                _put(links, columns, r["article"], self._event_link(r, iri))
        if any(links.cells):
            table["links"] = links
        rows = sorted(table.values(), key=_account_order)
        for row in rows:
            if row.prop in PLACES:
                mark_places(row, self.within({c.iri for cs in row.cells for c in cs if c.iri}))
            elif row.prop != "links":
                mark_differences(row)
        stated = f"VALUES ?a {{ {shown} }} ?n nkg:statedIn ?a ; nkg:about ?e ."
        figures = self.nodes(f"{stated} ?n a nkg:Figure", e=iri)
        statements = self.nodes(f"{stated} FILTER NOT EXISTS {{ ?n a nkg:Figure }}", e=iri)
        return {
            "columns": columns,
            "reports": reports,
            "rows": rows,
            "figures": _by_article(figures, columns),
            "statements": _by_article(statements, columns),
            "more": reports.more or figures.more or statements.more,
        }

    def within(self, places: set[str]) -> dict[str, set[str]]:
        """Each place and every place it lies in (``nkg:locatedIn*``), itself included."""
        found: dict[str, set[str]] = {p: {p} for p in places}
        if places:
            listed = " ".join(iri_term(URIRef(p)) for p in sorted(places))
            for r in self.select(
                f"SELECT ?p ?q WHERE {{ VALUES ?p {{ {listed} }} ?p nkg:locatedIn* ?q }}"
            ):
                found[str(r["p"])].add(str(r["q"]))
        return found

    def _participant(self, r: dict[str, Term]) -> Cell:
        who, role = self.cell(r["x"]), self.cell(r["r"])
        how = f", {self.cell(r['m']).text}" if r.get("m") is not None else ""
        key = " ".join(str(r[k]) for k in ("x", "r", "m") if r.get(k) is not None)
        return Cell(f"{who.text} ({role.text}{how})", who.href, key)

    def _event_link(self, r: dict[str, Term], event: URIRef) -> Cell:
        """A cause-chains row through ``event``, as a person reads it from the event's side:
        "in response to: X" or "X: in response to this", the article's words as its note."""
        outgoing = r["from"] == event
        other = self.cell(r["to"] if outgoing else r["from"])
        link = str(r["link"])
        text = f"{link}: {other.text}" if outgoing else f"{other.text}: {link} this"
        words = [f"\u201c{r['wording']}\u201d" if r.get("wording") else "",
                 f"according to {r['credited']}" if r.get("credited") else ""]  # fmt: skip
        return Cell(text, other.href, other.iri, note=", ".join(w for w in words if w) or None)

    def disagreements(self, page: int = 1) -> dict[str, Any]:
        """The ``page``-th ``GROUP_PAGE`` groups of figures the stored ``disagreements`` query
        compares, those that differ first, then those that changed over time: each article's
        figure side by side (the number as written, hedge, when, who states it, source) with
        the query's comparison of each."""
        groups = self.disagreement_groups()
        first = (page - 1) * GROUP_PAGE
        return {
            "groups": groups[first : first + GROUP_PAGE],
            "page": page,
            "more": len(groups) > first + GROUP_PAGE,
        }

    def disagreement_groups(self) -> list[dict[str, Any]]:
        return self.once(("disagreements",), self._disagreement_groups)

    def _disagreement_groups(self) -> list[dict[str, Any]]:
        rows = self.stored("disagreements")
        if not rows:
            return []
        listed = " ".join(sorted({iri_term(r["figure"]) for r in rows}))
        subjects: dict[Term, list[Term]] = {}
        for r in self.select(
            f"SELECT ?f ?x WHERE {{ VALUES ?f {{ {listed} }} ?f nkg:about ?x }} ORDER BY ?f ?x"
        ):
            subjects.setdefault(r["f"], []).append(r["x"])
        # one group per set of figures the query compares: the same quantity and group
        # counted, linked by a subject in common (the query compares per subject)
        owner: dict[int, int] = {}

        def top(i: int) -> int:
            while owner.get(i, i) != i:
                i = owner[i]
            return i

        first_with: dict[tuple[Term, ...], int] = {}
        for i, r in enumerate(rows):
            for x in subjects.get(r["figure"], []):
                key = (r["quantity"], r["counted"], x)
                if key in first_with:
                    owner[top(i)] = top(first_with[key])
                else:
                    first_with[key] = i
        members: dict[int, list[dict[str, Term]]] = {}
        for i, r in enumerate(rows):
            members.setdefault(top(i), []).append(r)
        groups = [self._disagreement(found, subjects) for found in members.values()]
        rank = {"differs": 0, "changed over time": 1}
        return sorted(groups, key=lambda g: rank.get(g["comparison"], 2))  # (stable)

    def _disagreement(
        self, found: list[dict[str, Term]], subjects: dict[Term, list[Term]]
    ) -> dict[str, Any]:
        about = {x for r in found for x in subjects.get(r["figure"], [])}
        shown = (("number", "value"), ("hedge", "hedge"), ("when", "when"),
                 ("stated by", "statedBy"), ("source", "source"))  # fmt: skip
        comparisons = [str(r["comparison"]) for r in found]
        overall = next((c for c in ("differs", "changed over time") if c in comparisons), "agrees")
        found = found[:COLUMN_LIMIT]
        return {
            "quantity": self.text(found[0]["quantity"]),
            "counted": self.cell(found[0]["counted"]),
            "about": sorted((self.cell(x) for x in about), key=lambda c: c.text),
            "columns": [(self.cell(r["article"]), self.cell(r["figure"])) for r in found],
            "rows": [(name, [self.text(r[var]) for r in found]) for name, var in shown],
            "comparisons": comparisons[:COLUMN_LIMIT],
            "comparison": overall,
            "hidden": len(comparisons) - len(found),
        }

    def timeline(self, years: tuple[int, int] | None = None, page: int = 1) -> dict[str, Any]:
        """Every event with a date: the curator's date, and each article's date for it; with
        ``years`` (first, last), only events with a date in those years."""
        events = (
            self._timeline(years)  # (any years a visitor asks for: not kept)
            if years is not None
            else self.once(("timeline",), lambda: self._timeline(None))
        )
        first = (page - 1) * EVENT_PAGE
        return {
            "events": events[first : first + EVENT_PAGE],
            "page": page,
            "more": len(events) > first + EVENT_PAGE,
        }

    def _timeline(self, years: tuple[int, int] | None) -> list[dict[str, Any]]:
        rows = self.select(
            "SELECT ?e ?date ?end ?a ?text WHERE { ?e a nkg:Event . "
            "{ ?e nkg:date ?date OPTIONAL { ?e nkg:endDate ?end } } UNION "
            "{ ?r nkg:reports ?e ; nkg:statedIn ?a ; nkg:date ?date . "
            "OPTIONAL { ?r nkg:endDate ?end } OPTIONAL { ?r nkg:dateText ?text } } }"
            " ORDER BY ?e ?a"
        )
        events: dict[str, dict[str, Any]] = {}
        for r in rows:
            date = r["date"]
            if not isinstance(date, Literal):
                continue
            event = events.setdefault(
                str(r["e"]), {"event": self.cell(r["e"]), "curated": None, "accounts": []}
            )
            span = _span(date, r["end"] if isinstance(r["end"], Literal) else None)
            entry = {
                "date": self.cell(date),
                "span": span,
                "article": self.cell(r["a"]) if r["a"] is not None else None,
                "text": str(r["text"]) if r["text"] is not None else None,
            }
            if r["a"] is None:
                event["curated"] = entry
            else:
                event["accounts"].append(entry)
        found = [e for e in events.values() if e["curated"] or e["accounts"]]
        if years is not None:
            lo, hi = years[0], years[1] + 1
            found = [
                e
                for e in found
                if any(
                    x["span"] and x["span"][0] < hi and x["span"][1] > lo
                    for x in [e["curated"], *e["accounts"]]
                    if x
                )
            ]

        def start(e: dict[str, Any]) -> tuple[float, str]:
            spans = [x["span"] for x in [e["curated"], *e["accounts"]] if x and x["span"]]
            return (min((s[0] for s in spans), default=float("inf")), e["event"].text)

        return sorted(found, key=start)

    def prefixes(self) -> list[tuple[str, str]]:
        return sorted(PREFIXES.items())


PROSE = frozenset(
    str(NKG[name])
    for name in ("evidence", "dateText", "periodText", "curatorNote", "text", "framing",
                 "modalityText")
)  # fmt: skip
"""Properties whose values are the article's own words: shown side by side, not compared."""


def mark_differences(row: Row) -> None:
    """Mark the row when the columns that give a value do not all give the same values (a
    column that says nothing does not contradict one that does; words as written are not
    compared)."""
    if row.prop in PROSE:
        return
    given = {tuple(sorted(c.key for c in cells)) for cells in row.cells if cells}
    row.differs = len(given) > 1


PLACES = frozenset((str(N.place), str(NKG["near"])))
"""Properties whose values are places: one inside another does not contradict it."""


def mark_places(row: Row, within: dict[str, set[str]]) -> None:
    """Mark the row when one column gives a place that neither lies inside nor contains a
    place another column gives (Baghdad and Iraq agree; Baghdad and Basra differ), as the
    ``contested-events`` query says."""

    def related(p: str, q: str) -> bool:
        return q in within.get(p, {p}) or p in within.get(q, {q})

    def unmatched(a: list[str], b: list[str]) -> bool:
        return any(not any(related(p, q) for q in b) for p in a)

    given = [[c.key for c in cells] for cells in row.cells if cells]
    row.differs = any(
        unmatched(a, b) or unmatched(b, a) for i, a in enumerate(given) for b in given[i + 1 :]
    )


ARTICLE_TABLES = (
    ("stances", "stances", ("stance", "towards", "position", "evidence")),
    ("citations", "cited-works",
     ("work", "type", "outlet", "authors", "published", "role", "as", "evidence")),
    ("relations", "relations",
     ("subject", "relation", "object", "office", "wording", "since", "modality", "credited",
      "evidence")),
    ("links", "cause-chains", ("from", "link", "to", "wording", "credited", "evidence")),
)  # fmt: skip
"""What an article's page shows of its stances, citations and relations: the stored query
that gives them (run with ``?article`` bound to the article: its rows only) and the columns."""

ACCOUNT_ORDER = ("participants", str(N.date), str(N.dateText), str(N.place), str(NKG["near"]),
                 str(NKG["framing"]), str(NKG["modality"]), "links")  # fmt: skip
"""The rows an event's accounts show first, in this order (then the others by name)."""


def _account_order(row: Row) -> tuple[int, str]:
    first = ACCOUNT_ORDER.index(row.prop) if row.prop in ACCOUNT_ORDER else len(ACCOUNT_ORDER)
    return (first, row.name)


def merge_modality(table: dict[str, Row]) -> None:
    """One modality row: each account's modality with its words ("reported (reportedly)")."""
    words = table.pop(str(NKG["modalityText"]), None)
    modality = table.get(str(NKG["modality"]))
    if words is None or modality is None:
        if words is not None:
            table[words.prop] = words
        return
    for i, said in enumerate(words.cells):
        if said and modality.cells[i]:
            m = modality.cells[i][0]
            text = "; ".join(c.text for c in said)
            modality.cells[i] = [Cell(f"{m.text} (\u201c{text}\u201d)", m.href, m.iri)]


def _put(row: Row, columns: Sequence[Cell | None], article: Term, cell: Cell) -> None:
    """``cell`` in the column of ``article``."""
    for i, col in enumerate(columns):
        if col is not None and col.iri == str(article):
            row.cells[i].append(cell)


def _by_article(nodes: Iterable[Node], columns: Sequence[Cell | None]) -> list[list[Node]]:
    found: list[list[Node]] = [[] for _ in columns]
    for node in nodes:
        for i, col in enumerate(columns):
            if col is not None and node.article is not None and col.iri == node.article.iri:
                found[i].append(node)
    return found


def _sorted(values: list[Term]) -> list[Term]:
    return sorted(values, key=lambda t: "" if t is None else t.n3())


def _int(term: Term) -> int:
    return int(str(term)) if term is not None else 0


def _span(date: Literal, end: Literal | None) -> tuple[float, float] | None:
    """The interval a date covers, in years (2020-01 covers January, 2020 the whole year), to
    the end of ``end`` if given; None for a date without a year."""
    first = _interval(date)
    if first is None:
        return None
    last = _interval(end) if end is not None else None
    return (first[0], max(first[1], last[1]) if last else first[1])


def _interval(date: Literal) -> tuple[float, float] | None:
    import calendar

    text = str(date)
    dtype = str(date.datatype) if date.datatype else ""
    try:
        if dtype == str(XSD.gYear):
            year = int(text[:4])
            return (float(year), float(year + 1))
        if dtype == str(XSD.gYearMonth):
            year, month = int(text[:4]), int(text[5:7])
            return (year + (month - 1) / 12, year + month / 12)
        if dtype in (str(XSD.date), str(XSD.dateTime)):
            year, month, day = int(text[:4]), int(text[5:7]), int(text[8:10])
            days = 366 if calendar.isleap(year) else 365
            offset = sum(calendar.monthrange(year, m)[1] for m in range(1, month)) + day - 1
            return (year + offset / days, year + (offset + 1) / days)
    except ValueError:
        return None
    return None
