"""Rupee amounts as Form 16 prints them: Indian digit grouping, paise after the point.

"12,34,567.00" is 1,234,567 rupees. Western grouping ("1,234,567.00") and no grouping are
read too; anything else (commas in the wrong places, three decimals) is not an amount.
OCR confusions inside an otherwise numeric token (O for 0, l or I for 1, S for 5, B for 8)
are repaired, and the result says so, so that the caller can lower its confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INDIAN = r"\d{1,2}(?:,\d{2})*,\d{3}"
_WESTERN = r"\d{1,3}(?:,\d{3})+"
_AMOUNT = re.compile(rf"(?P<int>{_INDIAN}|{_WESTERN}|\d+)(?:\.(?P<dec>\d{{1,2}}))?")
_PREFIX = re.compile(r"^(?:rs\.?|inr|₹)\s*", re.IGNORECASE)
_NEGATIVE = re.compile("^(?:\\(-\\)|-|\u2212)\\s*")  # (-), hyphen or minus sign
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8"})
_EDGE_NOISE = "|[]{}()_~-'\"`:;!\u2014\u2018\u2019\u201c\u201d"


@dataclass(frozen=True, slots=True)
class Amount:
    paise: int
    repaired: bool = False

    @property
    def rupees(self) -> int:
        """Whole rupees, paise of 50 or more rounding up (the way returns are filed)."""
        sign = -1 if self.paise < 0 else 1
        return sign * ((abs(self.paise) + 50) // 100)


def _strict(text: str) -> int | None:
    m = _AMOUNT.fullmatch(text)
    if m is None:
        return None
    rupees = int(m["int"].replace(",", ""))
    dec = m["dec"] or "0"
    paise = int(dec) * (10 if len(dec) == 1 else 1)
    return rupees * 100 + paise


def parse_amount(text: str, *, repair: bool = True) -> Amount | None:
    """The amount `text` shows, or None when it is not one."""
    raw = text.strip()
    core = _PREFIX.sub("", raw).removesuffix("/-").strip()
    negative = False
    m = _NEGATIVE.match(core)
    if m:
        negative, core = True, core[m.end() :].strip()
    value = _strict(core)
    repaired = False
    if value is None and repair:
        value, repaired = _repaired(core)
    if value is None:
        return None
    return Amount(-value if negative else value, repaired)


def _repaired(core: str) -> tuple[int | None, bool]:
    stripped = core.strip(_EDGE_NOISE)
    if not stripped or not any(c.isdigit() for c in stripped):
        return None, False
    numeric = sum(c.isdigit() or c in ",. " for c in stripped)
    if numeric < 0.7 * len(stripped) or len(stripped) > 24:
        return None, False
    fixed = stripped.translate(_OCR_DIGITS)
    # A comma read as a space ("4,01 898.00"), or a space inside a number.
    for candidate in (fixed.replace(" ", ","), fixed.replace(" ", "")):
        value = _strict(candidate)
        if value is None and re.fullmatch(r".*\.\d{3}", candidate):
            value = _strict(candidate[:-1])  # a rule's stroke read as a trailing digit: 0.001
        if value is not None:
            return value, True
    return None, False


def looks_like_amount(text: str) -> bool:
    return parse_amount(text, repair=False) is not None


def format_inr(rupees: int, *, paise: bool = True) -> str:
    """12,34,567.00: the Indian grouping Form 16 prints."""
    sign = "-" if rupees < 0 else ""
    digits = str(abs(rupees))
    if len(digits) > 3:
        head, groups = digits[:-3], [digits[-3:]]
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        groups.insert(0, head)
        digits = ",".join(groups)
    return f"{sign}{digits}.00" if paise else f"{sign}{digits}"
