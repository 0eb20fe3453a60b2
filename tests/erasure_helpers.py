"""What the erasure tests share: a PDF that carries personal data in clear, the projector's
batches run in-process, and a search of a whole database dump and a blob folder."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterable
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from burnblack.bootstrap import wiring
from burnblack.settings import Settings
from projections.projector.tracking import advance, lock_position
from projections.read_models.documents.projection import DocumentStatusProjection
from projections.read_models.filings.projection import FilingSummaryProjection
from projections.schema import ensure_schema


def clear_text_pdf(*lines: str) -> bytes:
    """A one-page PDF whose text is stored uncompressed: its bytes contain `lines` as they
    are, so a search that finds nothing in the sealed blob means something."""
    text = " ".join(f"({line}) Tj 0 -14 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def project_all(settings: Settings, batch_size: int = 200) -> None:
    """The live read models, as the projector builds them (one transaction per batch)."""
    database_url, _ = settings.require_urls()
    app = wiring.filings_app(settings)
    log = wiring.event_log(settings, app)
    seal = wiring.read_model_seal(app)
    projections = [FilingSummaryProjection(seal), DocumentStatusProjection(seal)]
    try:
        with psycopg.connect(database_url) as conn:
            ensure_schema(conn)
            for projection in projections:
                while True:
                    with conn.transaction():
                        position = lock_position(conn, projection.name)
                        events = log.read(position, batch_size)
                        if not events:
                            break
                        projection.apply(conn, events)
                        advance(conn, projection.name, events[-1][0])
    finally:
        log.close()
        app.close()


def forms(*values: str) -> set[bytes]:
    """The plain forms a value could be found in: as typed, upper and lower case, UTF-8 hex
    (how pg_dump writes bytea) and base64."""
    found: set[bytes] = set()
    for value in values:
        for form in {value, value.upper(), value.lower()}:
            raw = form.encode()
            found |= {raw, raw.hex().encode(), base64.b64encode(raw)}
    return found


def pg_dump(database_url: str) -> bytes:
    params = conninfo_to_dict(database_url)
    args = ["pg_dump", "--format=plain", "--no-owner", "--data-only"]
    for flag, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
        if params.get(key):
            args += [flag, str(params[key])]
    args.append(str(params["dbname"]))
    return subprocess.run(args, check=True, capture_output=True, timeout=120).stdout


def hits(haystacks: Iterable[tuple[str, bytes]], needles: set[bytes]) -> list[str]:
    return [
        f"{needle!r} in {where}"
        for where, data in haystacks
        for needle in needles
        if needle in data
    ]


def blob_files(root: Path) -> list[tuple[str, bytes]]:
    return [(str(p), p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()]
