"""The form's own arithmetic: every total on a Form 16 equals its parts.

A rule that holds (on the numbers as read) corroborates every number in it. A rule that
fails marks the numbers nothing else corroborates as doubtful; an amount that no complete
rule confirms stays below the review threshold: never a silent wrong number. When a
rule fails, or lacks one number, and exactly one of its numbers is not corroborated by some
other rule (or, among several, exactly one was read with low confidence), that number is
derived from the others: it carries a note saying so and a
confidence below the review threshold, so a person confirms it before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from domain.documents.fields import NEGATIVE_ALLOWED, VIA_80C_PARTS, VIA_ITEMS, ExtractedField

CORROBORATED = 0.97
UNCONFIRMED = 0.85  # an amount no complete rule confirmed: below the review threshold
SURE = 0.9  # a reader's confidence above which a number is trusted when another must give
DERIVED = 0.8
DOUBTFUL = 0.3


@dataclass(frozen=True, slots=True)
class Rule:
    total: str
    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()
    text: str = ""

    @property
    def members(self) -> tuple[str, ...]:
        return (self.total, *self.plus, *self.minus)

    def holds(self, v: dict[str, int]) -> bool:
        return v[self.total] == sum(v[p] for p in self.plus) - sum(v[m] for m in self.minus)

    def solve(self, name: str, v: dict[str, int]) -> int:
        """The value of `name` that makes the rule hold, given the others."""
        rest_plus = sum(v[p] for p in self.plus if p != name)
        rest_minus = sum(v[m] for m in self.minus if m != name)
        if name == self.total:
            return rest_plus - rest_minus
        if name in self.plus:
            return v[self.total] - rest_plus + rest_minus
        return rest_plus - rest_minus - v[self.total]


_EXEMPTIONS = (
    "lta_10_5",
    "gratuity_10_10",
    "commuted_pension_10_10a",
    "leave_encashment_10_10aa",
    "hra_10_13a",
    "other_exemptions_10",
)

RULES: tuple[Rule, ...] = (
    Rule(
        "gross_salary",
        ("salary_17_1", "perquisites_17_2", "profits_17_3"),
        (),
        "1(d) = 1(a)+1(b)+1(c)",
    ),
    Rule("exemptions_total", _EXEMPTIONS, (), "2(g) = 2(a)+...+2(f)"),
    Rule("salary_from_employer", ("gross_salary",), ("exemptions_total",), "3 = 1(d)-2(g)"),
    Rule(
        "deductions_16_total",
        ("standard_deduction", "entertainment_allowance", "professional_tax"),
        (),
        "5 = 4(a)+4(b)+4(c)",
    ),
    Rule(
        "salary_income",
        ("salary_from_employer", "other_employer_salary"),
        ("deductions_16_total",),
        "6 = 3+1(e)-5",
    ),
    Rule(
        "other_income_total", ("house_property_income", "other_sources_income"), (), "8 = 7(a)+7(b)"
    ),
    Rule("gross_total_income", ("salary_income", "other_income_total"), (), "9 = 6+8"),
    Rule("via_80c_total", VIA_80C_PARTS, (), "10(d) = 10(a)+10(b)+10(c)"),
    Rule("via_total", VIA_ITEMS, (), "11 = 10(d)+10(e)+...+10(k)"),
    Rule("taxable_income", ("gross_total_income",), ("via_total",), "12 = 9-11"),
    Rule(
        "tax_payable", ("tax_on_income", "surcharge", "cess"), ("rebate_87a",), "17 = 13+15+16-14"
    ),
    Rule("net_tax_payable", ("tax_payable",), ("relief_89",), "19 = 17-18"),
    Rule("tds_total", ("tds_q1", "tds_q2", "tds_q3", "tds_q4"), (), "Part A: total tax deducted"),
    Rule("paid_total", ("paid_q1", "paid_q2", "paid_q3", "paid_q4"), (), "Part A: total paid"),
)


def _ints(fields: dict[str, ExtractedField]) -> dict[str, int]:
    return {k: f.value for k, f in fields.items() if isinstance(f.value, int)}


def _relevant(rule: Rule, present: dict[str, int]) -> bool:
    """A rule applies when the part of the form it covers was read (most of it present)."""
    found = sum(m in present for m in rule.members)
    return found >= max(2, len(rule.members) - 1)


def _holding(values: dict[str, int]) -> list[Rule]:
    return [r for r in RULES if all(m in values for m in r.members) and r.holds(values)]


def reconcile(fields: dict[str, ExtractedField]) -> tuple[dict[str, ExtractedField], list[str]]:
    """Check every rule; corroborate, derive or doubt; return the fields and the problems.

    An amount keeps a confidence of REVIEW_BELOW or more only when a rule that holds on the
    numbers as read confirms it: a derived number, or one no complete rule could confirm,
    is capped below it, so a person looks at it before it is used.
    """
    out = dict(fields)
    read = _ints(fields)
    confirmed = {m for r in _holding(read) for m in r.members}  # by numbers as read only
    derived: set[str] = set()
    for _ in range(len(RULES)):
        values = _ints(out)
        holding = _holding(values)
        known = confirmed | derived
        changed = False
        for rule in RULES:
            if rule in holding or not _relevant(rule, values):
                continue
            suspects = [m for m in rule.members if m not in known]
            if len(suspects) > 1:
                # Numbers the reader was sure of are assumed right over one it was unsure of
                # (and, unconfirmed, they stay below the review threshold).
                suspects = [m for m in suspects if m not in out or out[m].confidence < SURE]
            if len(suspects) != 1:
                continue
            name = suspects[0]
            if any(m not in values for m in rule.members if m != name):
                continue
            value = rule.solve(name, values)
            if value < 0 and name not in NEGATIVE_ALLOWED:
                continue
            out[name] = _derived(out.get(name), value, rule)
            derived.add(name)
            changed = True
            break
        if not changed:
            break
    values = _ints(out)
    holding = _holding(values)
    problems: list[str] = []
    failing: set[str] = set()
    for rule in RULES:
        if rule in holding or not all(m in values for m in rule.members):
            continue
        problems.append(f"the form's arithmetic does not hold: {rule.text}")
        for m in rule.members:
            if m not in confirmed and m not in derived:
                failing.add(m)
                out[m] = _capped(out[m], DOUBTFUL, f"does not add up ({rule.text})")
    for name, f in list(out.items()):
        if name in derived or name in failing or not isinstance(f.value, int):
            continue
        if name in confirmed:
            out[name] = msgspec.structs.replace(f, confidence=max(f.confidence, CORROBORATED))
        elif f.confidence >= UNCONFIRMED:
            out[name] = _capped(f, UNCONFIRMED, "not confirmed by the form's arithmetic")
    return out, problems


def _capped(f: ExtractedField, ceiling: float, note: str) -> ExtractedField:
    return msgspec.structs.replace(
        f, confidence=min(f.confidence, ceiling), note=_join(f.note, note)
    )


def _derived(before: ExtractedField | None, value: int, rule: Rule) -> ExtractedField:
    if before is None:
        return ExtractedField(
            value=value,
            confidence=DERIVED,
            page=0,
            line=0,
            text="",
            note=f"not readable; derived from {rule.text}",
        )
    return msgspec.structs.replace(
        before,
        value=value,
        confidence=min(before.confidence, DERIVED),
        note=_join(before.note, f"read as {before.value}; derived from {rule.text}"),
    )


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b
