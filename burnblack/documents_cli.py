"""`burnblack documents parse FILE`: read a Form 16 the way a worker does, print its fields.

The same checks as an upload (type by content, size, bombs), the same reading (text layer
or OCR) and the same extraction; no database, no Redis. Fields go to stdout as JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console

documents_app = typer.Typer(no_args_is_help=True, help="Documents: read a Form 16 offline.")
console = Console(stderr=True)


@documents_app.command("parse")
def documents_parse(
    file: Annotated[Path, typer.Argument(help="A Form 16: PDF, PNG, JPEG or TIFF", exists=True)],
    max_bytes: Annotated[int, typer.Option(help="Refuse larger files")] = 10 * 1024 * 1024,
) -> None:
    """Print the fields (value, confidence, page, line) found in FILE, as JSON."""
    from commands.adapters.document_files import DocumentRejected, UploadLimits, inspect
    from domain.documents.form16 import parse_form16
    from workers.ocr import OcrUnavailable
    from workers.reading import read_document

    data = file.read_bytes()
    try:
        facts = inspect(data, UploadLimits(max_bytes=max_bytes))
    except DocumentRejected as exc:
        console.print(f"[red]{exc.title}[/red]: {exc.message}")
        raise typer.Exit(2) from None
    try:
        reading = read_document(
            data, facts.media_type, lambda stage, pct: console.print(f"{pct:3d}% {stage}")
        )
    except OcrUnavailable as exc:
        console.print(f"[red]OCR unavailable[/red]: {exc} (install tesseract-ocr)")
        raise typer.Exit(3) from None
    extraction = parse_form16(reading.pages)
    out = {
        "file": str(file),
        "media_type": facts.media_type,
        "pages": facts.pages,
        "text_source": reading.source,
        **msgspec.to_builtins(extraction),
    }
    sys.stdout.buffer.write(msgspec.json.format(msgspec.json.encode(out)) + b"\n")
