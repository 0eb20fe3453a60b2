"""Form 16 reading: field accuracy per layout, and seconds per OCR page against bare tesseract.

Layouts (tests/documents/form16_layouts.py, `PER_LAYOUT` documents each, fixed seeds):
two-column label/value lists, ruled tables, TRACES Part A with side-by-side blocks and values
below their labels, multi-page TIFFs, skewed (1-3 degrees) and turned (90/180/270) scans at
150 dpi and JPEG quality 60, digital PDFs, in four typefaces. For each layout:

- `field_accuracy[<layout>]`: fields read exactly right / fields on its documents (target
  >= 0.98 on every layout);
- `confident_wrong_fields[<layout>]`: wrong values with confidence >= 0.9 (target 0).

Then, as before, the generator's certificates (tests/documents/form16_generator.py, 50 by
default, fixed seed): PDFs with a text layer, and scans (image-only PDFs, TIFFs, single
JPEG and PNG pages) at 150-300 dpi, a couple of degrees off straight, some blurred, some
JPEG-compressed. Each goes through exactly what a worker runs (`read_document` then
`parse_form16`), and every field is compared with the truth.

- `field_accuracy`: fields read exactly right / fields on the documents (target >= 0.98).
- `confident_wrong_fields`: wrong values the parser was sure of (confidence >= 0.9); the rest
  of the wrong ones were flagged for review. Target 0: never a silent wrong number.
- `ocr_seconds_per_page`: our pipeline's seconds per OCR page (decode, straighten, erase
  rules, tesseract, rows, parse), against the bare `tesseract PAGE stdout` on the same page
  images in the same run, both with OMP_THREAD_LIMIT=1. The ratio is the overhead (target
  <= 1.15). To keep the run to a few minutes the bare binary runs on every other scanned
  document (alternately before and after ours), and the ratio compares those pages only.

    python -m benchmarks.ocr [DOCUMENTS] [PER_LAYOUT]
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._report import emit
from domain.documents.fields import REVIEW_BELOW
from domain.documents.form16 import parse_form16
from tests.documents.form16_generator import Sample, sample
from tests.documents.form16_layouts import LAYOUTS, document
from workers.reading import read_document

SEED = 16
# Per 10 documents: 5 digital PDFs (most Form 16s come from TRACES as such), 1 scanned
# PDF and 1 TIFF (two pages each), 2 JPEG pages and 1 PNG page (photos, one page each).
KINDS = ("text-pdf", "jpeg", "scanned-pdf", "text-pdf", "png", "text-pdf", "tiff", "jpeg")
KINDS = (*KINDS, "text-pdf", "text-pdf")


def _page_images(s: Sample, folder: Path) -> list[Path]:
    """The page images as the scanner produced them, for the bare tesseract run."""
    from PIL import Image, ImageSequence

    if s.media_type in ("image/jpeg", "image/png"):
        path = folder / s.name
        path.write_bytes(s.data)
        return [path]
    if s.media_type == "image/tiff":
        import io

        paths = []
        with Image.open(io.BytesIO(s.data)) as img:
            for i, frame in enumerate(ImageSequence.Iterator(img)):
                path = folder / f"{s.name}-{i + 1}.png"
                frame.convert("L").save(path)
                paths.append(path)
        return paths
    import io

    import pypdf

    paths = []
    for i, page in enumerate(pypdf.PdfReader(io.BytesIO(s.data)).pages):
        image = page.images[0].image
        assert image is not None
        path = folder / f"{s.name}-{i + 1}.png"
        image.convert("L").save(path)
        paths.append(path)
    return paths


def _bare(paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        subprocess.run(["tesseract", str(path), "stdout"], capture_output=True, check=True)
    return time.perf_counter() - start


PER_LAYOUT = 8


def _score(document_name: str, truth: dict[str, Any], extraction: Any) -> tuple[int, int, int]:
    """Fields checked, read right, and read wrong with a confidence above review."""
    right = confident_wrong = 0
    for name, expected in truth.items():
        found = extraction.fields.get(name)
        if found is not None and found.value == expected:
            right += 1
        elif found is not None and found.confidence >= REVIEW_BELOW:
            confident_wrong += 1
            print(f"# {document_name}: {name} read {found.value!r}, is {expected!r}", flush=True)
    return len(truth), right, confident_wrong


def layouts(per_layout: int = PER_LAYOUT) -> None:
    for layout in LAYOUTS:
        total = right = confident_wrong = 0
        for seed in range(per_layout):
            d = document(layout, seed)
            extraction = parse_form16(read_document(d.data, d.media_type).pages)
            checked, read_right, wrong = _score(d.name, d.truth, extraction)
            total += checked
            right += read_right
            confident_wrong += wrong
        emit("ocr", f"field_accuracy[{layout}]", right / total, None, 0.98)
        emit("ocr", f"confident_wrong_fields[{layout}]", confident_wrong, None, 0)


def main(documents: int = 50, per_layout: int = PER_LAYOUT) -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    layouts(per_layout)
    rng = random.Random(SEED)
    samples = [sample(rng, KINDS[i % len(KINDS)], i) for i in range(documents)]
    total = right = confident_wrong = 0
    ours = bare = 0.0
    ocr_pages = scanned = 0
    with tempfile.TemporaryDirectory(prefix="bb-ocr-bench-") as tmp:
        for s in samples:
            compare = s.scan is not None and scanned % 2 == 0
            scanned += s.scan is not None
            paths = _page_images(s, Path(tmp)) if compare else []
            bare_first = compare and scanned % 4 == 1  # alternate, so drift hits both
            if bare_first:
                bare += _bare(paths)
            start = time.perf_counter()
            extraction = parse_form16(read_document(s.data, s.media_type).pages)
            elapsed = time.perf_counter() - start
            if compare:
                if not bare_first:
                    bare += _bare(paths)
                ours += elapsed
                ocr_pages += len(paths)
            checked, read_right, wrong = _score(s.name, s.truth, extraction)
            total += checked
            right += read_right
            confident_wrong += wrong
    emit("ocr", "field_accuracy", right / total, None, 0.98)
    emit("ocr", "confident_wrong_fields", confident_wrong, None, 0)
    emit("ocr", "ocr_seconds_per_page", ours / ocr_pages, bare / ocr_pages, 1.15)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 50,
        int(sys.argv[2]) if len(sys.argv) > 2 else PER_LAYOUT,
    )
