"""Several employers on one return: what each accepted document puts on it, and the sum.

Each accepted Form 16 contributes its own figures (gross salary, exempt allowances,
professional tax, the employer's NPS contribution, TDS), kept per document id. The return
declares, in those five places, the sum over the accepted documents; everything else the
taxpayer declared is kept. Accepting a document again (a retry, a correction) replaces its
own contribution, never adds a second one; a document from the same employer (the same
TAN) supersedes the earlier one (an employer issues one Form 16 a year: a second is a
corrected copy). The standard deduction is not a document figure: the
tax engine allows it once per return (s.16(ia)), however many employers there were.

Chapter VI-A amounts an employer allowed (80C, 80CCD(1B), 80D, 80TTA) are not added up:
the same policy or deposit is usually declared to each employer in turn, so the return
claims, per section, the largest amount any accepted document allowed.

The contributions are read back from the `source` of the `IncomeDeclared` and
`DeductionsClaimed` events a document's acceptance records (each field's `value`), so
events stored before this module existed replay to the same contributions: no new event,
no upcaster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

FIGURES: Final = (
    "salary.gross",
    "salary.exempt_allowances",
    "salary.professional_tax",
    "salary.employer_nps",
    "taxes_paid.tds",
)
"""Where on the return a document's figures go; the return holds their sum."""

Figures = dict[str, int]


def document_of(source: Mapping[str, Any] | None) -> str | None:
    """The id of the document an event's figures came from (None: typed by the taxpayer)."""
    if not source:
        return None
    document = source.get("document_id")
    return str(document) if document else None


def figures_of(source: Mapping[str, Any]) -> Figures:
    """The amounts a document's acceptance recorded, by where they went on the return."""
    fields = source.get("fields") or {}
    return {target: int(entry["value"]) for target, entry in fields.items() if "value" in entry}


def total(contributions: Iterable[Mapping[str, int]]) -> Figures:
    """Each of `FIGURES` summed over the documents (a figure a document lacks counts 0)."""
    sums = dict.fromkeys(FIGURES, 0)
    for figures in contributions:
        for target in FIGURES:
            sums[target] += figures.get(target, 0)
    return sums


def largest(claims: Iterable[Mapping[str, int]], sections: Iterable[str]) -> Figures:
    """Per Chapter VI-A section in `sections`, the largest amount any document allowed."""
    wanted = tuple(sections)
    out: Figures = {}
    for claim in claims:
        for section in wanted:
            amount = claim.get(section, 0)
            if amount > out.get(section, 0):
                out[section] = amount
    return out


def with_figures(income: Mapping[str, Any] | None, sums: Mapping[str, int]) -> dict[str, Any]:
    """The declaration `income` (plain builtins) with the document figures set to `sums`."""
    plain = dict(income) if income is not None else {}
    sections: dict[str, dict[str, Any]] = {}
    for target, amount in sums.items():
        section, key = target.split(".")
        if section not in sections:
            sections[section] = dict(plain.get(section) or {})
        sections[section][key] = amount
    return {**plain, **sections}
