"""SHACL validation with pyshacl, with every violation reported against the YAML that made it."""

from __future__ import annotations

from pyshacl import validate as shacl_validate
from rdflib import Graph, Node, URIRef
from rdflib.namespace import RDF, SH

from .convert import Where
from .errors import DataError, KgError, Location


def check(data: Graph, shapes: Graph, ontology: Graph, where: Where) -> list[KgError]:
    """Validate ``data`` (with ``ontology`` mixed in) against ``shapes``.

    Returns one located error per violation, in file and line order; empty when it conforms.
    """
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
    )
    if conforms:
        return []
    errors: list[KgError] = []
    seen: set[str] = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = str(report.value(result, SH.resultMessage) or "does not conform to the shapes")
        value = report.value(result, SH.value)
        loc = _locate(where, focus, path)
        if value is not None and value != focus:
            message += f" (value: {_show(value)})"
        error = DataError(message, loc)
        if str(error) not in seen:
            seen.add(str(error))
            errors.append(error)
    return sorted(errors, key=lambda e: (str(e.location.path), e.location.line or 0, str(e)))


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
