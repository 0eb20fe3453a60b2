"""Indian-format amounts and PAN/TAN shapes, as the Form 16 parser reads them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.documents.amounts import Amount, format_inr, parse_amount
from domain.documents.identifiers import PAN_RE, TAN_RE, is_pan, is_tan, read_pan, read_tan
from domain.pan import validate_pan

rupees = st.integers(min_value=0, max_value=10**12)
pans = st.from_regex(PAN_RE, fullmatch=True)
tans = st.from_regex(TAN_RE, fullmatch=True)
LOOKALIKE_LETTER = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G"}
LOOKALIKE_DIGIT = {"O": "0", "I": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}


@given(rupees)
def test_indian_grouping_round_trips(n: int) -> None:
    text = format_inr(n)
    assert parse_amount(text) == Amount(n * 100)
    # 12,34,567.00: three digits at the end, then pairs
    digits = text.removesuffix(".00").split(",")
    assert len(digits[-1]) == (3 if n >= 1000 else len(str(n)))
    assert all(len(g) == 2 for g in digits[1:-1])


@given(rupees)
def test_western_grouping_and_no_grouping_read_the_same(n: int) -> None:
    assert parse_amount(f"{n:,}.00") == Amount(n * 100)
    assert parse_amount(str(n)) == Amount(n * 100)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_paise_round_half_up_to_whole_rupees(rupee: int, paise: int) -> None:
    amount = parse_amount(f"{format_inr(rupee, paise=False)}.{paise:02d}")
    assert amount is not None
    assert amount.rupees == rupee + (1 if paise >= 50 else 0)


@given(st.integers(min_value=10_000, max_value=10**12))
def test_commas_in_the_wrong_places_are_not_an_amount(n: int) -> None:
    digits = str(n)
    wrong = f"{digits[0]},{digits[1:]}.00"  # one digit, then four or more: no grouping does that
    assert parse_amount(wrong, repair=False) is None


@given(rupees)
def test_a_negative_amount_keeps_its_sign(n: int) -> None:
    for text in (f"-{format_inr(n)}", f"(-) {format_inr(n)}"):
        amount = parse_amount(text)
        assert amount is not None and amount.rupees == -n


@pytest.mark.parametrize(
    ("text", "rupees"),
    [
        ("1,2O,0O0.00", 120_000),
        ("l,5S,000.00", 155_000),
        ("4,01 898.00", 401_898),
        ("0.00}", 0),
        ("0.001", 0),
    ],
)
def test_ocr_confusions_are_repaired_and_say_so(text: str, rupees: int) -> None:
    amount = parse_amount(text)
    assert amount is not None and amount.rupees == rupees and amount.repaired


@pytest.mark.parametrize(
    "text", ["", "Total", "17(1)", "section 10(13A)", "1.2.3", "12,34,5678.00"]
)
def test_labels_and_junk_are_not_amounts(text: str) -> None:
    assert parse_amount(text) is None


@given(pans)
def test_every_pan_shape_reads_as_itself(pan: str) -> None:
    assert is_pan(pan) and not is_tan(pan)
    assert read_pan(pan) == (pan, 0)
    assert validate_pan(pan) == pan


@given(tans)
def test_every_tan_shape_reads_as_itself(tan: str) -> None:
    assert is_tan(tan) and not is_pan(tan)
    assert read_tan(tan) == (tan, 0)


@given(pans, st.data())
def test_a_lookalike_in_a_pan_is_repaired_and_counted(pan: str, data: st.DataObject) -> None:
    spots = [i for i, ch in enumerate(pan) if ch in LOOKALIKE_LETTER or ch in LOOKALIKE_DIGIT]
    if not spots:
        return
    i = data.draw(st.sampled_from(spots))
    swap = LOOKALIKE_LETTER.get(pan[i]) or LOOKALIKE_DIGIT[pan[i]]
    misread = pan[:i] + swap + pan[i + 1 :]
    assert read_pan(misread) == (pan, 1)


@given(st.text(max_size=14))
def test_reading_anything_gives_a_valid_shape_or_nothing(text: str) -> None:
    pan, tan = read_pan(text), read_tan(text)
    assert pan is None or re.fullmatch(PAN_RE, pan[0])
    assert tan is None or re.fullmatch(TAN_RE, tan[0])
