"""PAN and TAN: their shapes, and repairing OCR's letter/digit confusions by position.

PAN: five letters, four digits, a letter (AAAAA9999A); its fourth letter is the holder's
kind (P for a person, C for a company, F for a firm...). TAN: four letters, five digits, a
letter (AAAA99999A). A position that must be a digit and reads O is almost surely 0, and
one that must be a letter and reads 0 is almost surely O: such a repair is allowed, and the
caller is told, so that the value's confidence drops.
"""

from __future__ import annotations

import re

PAN_RE = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")
TAN_RE = re.compile(r"[A-Z]{4}[0-9]{5}[A-Z]")
PAN_SHAPE = "LLLLLDDDDL"
TAN_SHAPE = "LLLLDDDDDL"

_TO_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B", "4": "A", "7": "T"}
_TO_DIGIT = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "G": "6"}
_TO_DIGIT |= {"B": "8", "T": "7", "A": "4"}

PERSON = "P"


def is_pan(value: str) -> bool:
    return PAN_RE.fullmatch(value) is not None


def is_tan(value: str) -> bool:
    return TAN_RE.fullmatch(value) is not None


def _fit(token: str, shape: str) -> tuple[str, int] | None:
    """The token forced into `shape` (L letter, D digit) and how many characters changed."""
    if len(token) != len(shape):
        return None
    out: list[str] = []
    changes = 0
    for ch, kind in zip(token.upper(), shape, strict=True):
        if kind == "L" and not ch.isalpha():
            if ch not in _TO_LETTER:
                return None
            ch, changes = _TO_LETTER[ch], changes + 1
        elif kind == "D" and not ch.isdigit():
            if ch not in _TO_DIGIT:
                return None
            ch, changes = _TO_DIGIT[ch], changes + 1
        if not ("A" <= ch <= "Z" or "0" <= ch <= "9"):
            return None
        out.append(ch)
    return "".join(out), changes


def read_pan(token: str, max_repairs: int = 2) -> tuple[str, int] | None:
    """(PAN, characters repaired) if the token is a PAN once OCR confusions are undone."""
    return _read(token, PAN_SHAPE, max_repairs)


def read_tan(token: str, max_repairs: int = 2) -> tuple[str, int] | None:
    return _read(token, TAN_SHAPE, max_repairs)


def _read(token: str, shape: str, max_repairs: int) -> tuple[str, int] | None:
    cleaned = _clean(token)
    fitted = _fit(cleaned, shape)
    if fitted is None and len(cleaned) == len(shape) - 1 and token.rstrip()[-1:] in ")]":
        # A final J read as ")" (its hook looks like one in many sans-serif faces).
        again = _fit(cleaned + "J", shape)
        fitted = (again[0], again[1] + 1) if again else None
    return fitted if fitted and fitted[1] <= max_repairs else None


def _clean(token: str) -> str:
    return token.strip(" .,;:|[](){}'\"`\u2018\u2019\u201c\u201d_-")


def tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s|]+", text) if t]
