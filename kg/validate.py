"""SHACL validation, with every violation reported against the YAML that made it.

Two validators (``Validator``) give the same verdict (tests compare them): ``fast`` compiles
the shapes to SPARQL and runs them on pyoxigraph (``kg.shacl``), and ``pyshacl``, the reference
implementation, slower by one to two orders of magnitude on large graphs.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Node, URIRef
from rdflib.namespace import RDF, SH

from . import oxi, shacl
from .choices import Validator
from .convert import Where
from .errors import DataError, KgError, Location

Found = list[tuple[Node, Node | None, Node | None, str]]
"""Violations: (focus node, path, value, message)."""


def check(
    data: Graph, shapes: Graph, ontology: Graph, where: Where, validator: Validator = Validator.FAST
) -> list[KgError]:
    """Validate ``data`` with ``ontology`` mixed in against ``shapes``.

    Returns one located error per violation, in file and line order; empty when it conforms.
    """
    if validator == Validator.FAST:
        store = oxi.store_of(data)
        oxi.store_of(ontology, store=store)
        return locate(fast_findings(store, shapes), where)
    return locate(pyshacl_findings(data, shapes, ontology), where)


def fast_findings(store: ox.Store, shapes: Graph, union: bool = False) -> Found:
    """The fast validator on a store holding data and ontology (in one graph, or ``union``)."""
    return [(v.focus, v.path, v.value, v.message) for v in shacl.validate(store, shapes, union)]


def pyshacl_findings(data: Graph, shapes: Graph, ontology: Graph) -> Found:
    from pyshacl import validate as shacl_validate  # slow to import; only this path needs it

    conforms, report, _ = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    if conforms:
        return []
    top = report.value(None, RDF.type, SH.ValidationReport, any=False)
    return [
        (
            report.value(r, SH.focusNode),
            report.value(r, SH.resultPath),
            report.value(r, SH.value),
            str(report.value(r, SH.resultMessage) or "does not conform to the shapes"),
        )
        for r in report.objects(top, SH.result)
    ]


def locate(found: Found, where: Where) -> list[KgError]:
    """One error per violation, at the YAML file and line that made the node, sorted."""
    errors: dict[str, KgError] = {}
    for focus, path, value, message in found:
        if value is not None and value != focus:
            message += f" (value: {_show(value)})"
        error = DataError(message, _locate(where, focus, path))
        errors.setdefault(str(error), error)
    return sorted(
        errors.values(), key=lambda e: (str(e.location.path), e.location.line or 0, str(e))
    )


def _locate(where: Where, focus: Node | None, path: Node | None) -> Location:
    if focus is not None:
        if path is not None and (focus, path) in where:
            return where[(focus, path)]
        if (focus, None) in where:
            return where[(focus, None)]
    return Location("ontology/ontology.ttl", None, _show(focus) if focus is not None else None)


def _show(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    return str(node)
