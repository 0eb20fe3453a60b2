"""Words with boxes from a PDF page's text layer (pdfium's text page).

pdfium gives every character its box. Characters are joined into words at whitespace and
at gaps, in the order pdfium holds them, and the words go through the same geometric
grouping as OCR words (`domain.documents.layout`): the text layer's own order (a table
column by column, as some generators write it) does not matter.

Coordinates are PDF points turned so that y grows downwards, like an image's.
"""

from __future__ import annotations

import pypdfium2 as pdfium

from domain.documents.layout import Word, page_of
from domain.documents.text import Page

_SPLIT_GAP = 0.25  # a gap between characters wider than this x the glyph height: new word


def page_words(page: pdfium.PdfPage) -> list[Word]:
    height = page.get_height()
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        if len(text) != count:  # surrogate pairs: read character by character
            text = "".join(textpage.get_text_range(i, 1)[:1] or " " for i in range(count))
        words: list[Word] = []
        run: list[tuple[str, float, float, float, float]] = []

        def flush() -> None:
            if run:
                words.append(
                    Word(
                        "".join(ch for ch, *_ in run),
                        min(r[1] for r in run),
                        min(r[2] for r in run),
                        max(r[3] for r in run),
                        max(r[4] for r in run),
                    )
                )
                run.clear()

        for i, ch in enumerate(text):
            if ch.isspace() or not ch.isprintable():
                flush()
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            box = (ch, left, height - top, right, height - bottom)
            if run:
                prev = run[-1]
                h = max(prev[4] - prev[2], 1e-6)
                same_line = abs((box[2] + box[4]) / 2 - (prev[2] + prev[4]) / 2) < 0.5 * h
                if not same_line or box[1] - prev[3] > _SPLIT_GAP * h or box[1] < prev[1]:
                    flush()
            run.append(box)
        flush()
        return words
    finally:
        textpage.close()


def text_layer_page(page: pdfium.PdfPage, number: int) -> Page:
    return page_of(page_words(page), number, "text-layer")


def char_count(page: pdfium.PdfPage) -> int:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range(0, textpage.count_chars())
        return sum(1 for ch in text if not ch.isspace())
    finally:
        textpage.close()
