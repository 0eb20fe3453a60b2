"""Form 16 upload to pre-filled return, through real API, worker and projector processes;
and every bad upload refused with a problem document, writing nothing."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fpdf import FPDF

from tests.documents.client import (
    as_shown,
    blob_count,
    done,
    event_count,
    needs_tesseract,
    upload,
    wait_document,
)
from tests.documents.form16_generator import (
    Scan,
    form16_pdf,
    image_pdf,
    random_form16,
    scanned_pages,
)
from tests.processes import Platform
from tests.servers import ServerUrls
from tests.taxpayer import Taxpayer, random_pan

pytestmark = pytest.mark.e2e

MAX_UPLOAD = 3_000_000


@pytest.fixture(scope="module")
def documents_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("documents"))


@pytest.fixture(scope="module")
def platform(
    servers: ServerUrls, tmp_path_factory: pytest.TempPathFactory, documents_dir: Path
) -> Iterator[Platform]:
    p = Platform(
        servers.database_url,
        servers.redis_url,
        Path(tmp_path_factory.mktemp("logs")),
        env={
            "BURNBLACK_DOCUMENTS_DIR": str(documents_dir),
            "BURNBLACK_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
        },
    )
    p.start()
    try:
        yield p
    finally:
        p.stop()


def _problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = dict(r.json())
    assert body["type"].endswith("/" + code), body
    return body


@needs_tesseract
def test_upload_a_scanned_form16_and_get_a_prefilled_return(platform: Platform) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    pan = random_pan(random.Random(61))
    filing = me.start_filing("2026-27", pan=pan)
    fid = filing["id"]
    form = random_form16(random.Random(6), assessment_year="2026-27", pan=pan)
    scan = Scan(dpi=200, rotate=1.2)
    data = image_pdf(scanned_pages(form, scan), scan.dpi)  # no text layer: OCR

    r = upload(me, fid, data, "scan.pdf", "application/pdf")
    assert r.status_code == 202, r.text
    doc_id = r.json()["id"]
    assert r.headers["Location"] == f"/api/v1/documents/{doc_id}"
    assert r.json()["media_type"] == "application/pdf" and r.json()["pages"] == 2

    seen: list[dict[str, Any]] = []
    doc = wait_document(me, doc_id, done, seen=seen)
    running = [d["progress"] for d in seen if d["status"] == "uploaded" and d["progress"]]
    assert any("ocr" in p["stage"] and 0 < p["percent"] < 100 for p in running), running
    assert doc["status"] == "parsed" and doc["form"] == "16", doc
    assert doc["text_source"] == "ocr"
    fields, shown = doc["fields"], as_shown(form.truth)
    for name in ("employee_pan", "employer_tan", "gross_salary", "tds_total", "assessment_year"):
        assert fields[name]["value"] == shown[name], (name, fields[name])
        assert fields[name]["page"] in (1, 2) and fields[name]["line"] > 0
    assert "*" in fields["employee_pan"]["value"]  # read models show a PAN's shape only
    right = sum(fields.get(k, {}).get("value") == v for k, v in shown.items())
    assert right / len(shown) >= 0.95, doc["problems"]

    # The same file again is the same document, and no new event.
    again = upload(me, fid, data, "copy-of-scan.pdf")
    assert again.status_code == 202 and again.json()["id"] == doc_id
    assert again.json()["duplicate"] is True

    version = me.client.get(f"/api/v1/filings/{fid}").json()["version"]
    r = me.post(f"/api/v1/documents/{doc_id}/acceptance", version, {})
    assert r.status_code == 200, r.text
    accepted_version = r.json()["version"]
    assert accepted_version > version and r.json()["status"] == "computing"

    filing_doc = me.wait_for(
        fid, lambda d: d["status"] == "computed" and d["version"] > accepted_version, timeout=60
    )
    income = filing_doc["income"]
    assert income["salary"]["gross"] == form.truth["gross_salary"]
    assert income["salary"]["exempt_allowances"] == form.truth["exemptions_total"]
    assert income["taxes_paid"]["tds"] == form.truth["tds_total"]
    assert filing_doc["computation"]["new"]["taxes_paid"] == form.truth["tds_total"]

    history = me.client.get(f"/api/v1/filings/{fid}/history").json()["items"]
    declared = [h for h in history if h["event"] == "IncomeDeclared"][-1]
    source = declared["source"]
    assert source["document_id"] == doc_id and source["form"] == "16"
    gross = source["fields"]["salary.gross"]
    assert gross["field"] == "gross_salary" and gross["page"] == 2 and gross["line"] > 0
    assert [h["event"] for h in history][-2:] == ["TaxComputationRequested", "TaxComputed"]

    listed = me.client.get(f"/api/v1/filings/{fid}/documents").json()["items"]
    assert [d["id"] for d in listed] == [doc_id]
    accepted = wait_document(me, doc_id, lambda d: d["status"] == "accepted")
    assert accepted["accepted_filing_versions"] == [accepted_version]

    stranger = Taxpayer(platform.url()).register_and_login()
    _problem(stranger.client.get(f"/api/v1/documents/{doc_id}"), 404, "not-found")
    _problem(upload(stranger, fid, data), 404, "not-found")
    _problem(stranger.post(f"/api/v1/documents/{doc_id}/acceptance", 1, {}), 404, "not-found")


def _accept(me: Taxpayer, version: int, doc_id: str, truth: dict[str, Any]) -> int:
    """Accept a document as a taxpayer would: confirming, from the paper, what the reader
    was unsure of. `version`: the filing's (If-Match); returns its version after."""
    r = me.post(f"/api/v1/documents/{doc_id}/acceptance", version, {})
    if r.status_code == 422 and r.json()["type"].endswith("/document-needs-review"):
        corrections = {name: truth[name] for name in r.json()["fields"]}
        r = me.post(f"/api/v1/documents/{doc_id}/acceptance", version, {"corrections": corrections})
    assert r.status_code == 200, r.text
    return int(r.json()["version"])


@needs_tesseract
def test_two_employers_form16s_add_up_in_the_return_and_its_computation(
    platform: Platform,
) -> None:
    """Two scanned Form 16s for one year, read by the worker with tesseract: the return
    declares the sum of their salaries and TDS, the computation allows one standard
    deduction, and accepting the first again counts it once."""
    me = Taxpayer(platform.url()).register_and_login()
    pan = random_pan(random.Random(62))
    filing = me.start_filing("2026-27", pan=pan)
    fid = filing["id"]
    forms = [random_form16(random.Random(s), assessment_year="2026-27", pan=pan) for s in (6, 4)]
    assert forms[0].truth["employer_tan"] != forms[1].truth["employer_tan"]
    scan = Scan(dpi=200, rotate=0.8)
    doc_ids = []
    for i, form in enumerate(forms):
        r = upload(me, fid, image_pdf(scanned_pages(form, scan), scan.dpi), f"employer-{i}.pdf")
        assert r.status_code == 202, r.text
        doc_ids.append(r.json()["id"])
    for doc_id in doc_ids:
        doc = wait_document(me, doc_id, done)
        assert doc["status"] == "parsed" and doc["text_source"] == "ocr", doc

    truths = [f.truth for f in forms]
    gross = sum(int(t["gross_salary"]) for t in truths)
    exempt = sum(int(t["exemptions_total"]) for t in truths)
    tds = sum(int(t["tds_total"]) for t in truths)
    version = _accept(me, filing["version"], doc_ids[0], truths[0])
    version = _accept(me, version, doc_ids[1], truths[1])
    computed = me.wait_for(
        fid, lambda d: d["status"] == "computed" and d["version"] > version, timeout=60
    )
    income = computed["income"]
    assert income["salary"]["gross"] == gross
    assert income["salary"]["exempt_allowances"] == exempt
    assert income["taxes_paid"]["tds"] == tds
    new = computed["computation"]["new"]
    assert new["taxes_paid"] == tds
    assert new["salary_income"] == gross - 75_000  # one standard deduction, s.16(ia)
    history = me.client.get(f"/api/v1/filings/{fid}/history").json()["items"]
    sources = [h["source"] for h in history if h["event"] == "IncomeDeclared"]
    assert [s["document_id"] for s in sources] == doc_ids

    # The first employer's certificate accepted again (a second click, a retry): once.
    again = _accept(me, computed["version"], doc_ids[0], truths[0])
    recomputed = me.wait_for(
        fid, lambda d: d["status"] == "computed" and d["version"] > again, timeout=60
    )
    assert recomputed["income"] == income
    assert recomputed["computation"]["new"]["total_tax"] == new["total_tax"]


def test_a_text_layer_form16_is_read_directly_and_a_wrong_pan_is_refused(
    platform: Platform, servers: ServerUrls
) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    filing = me.start_filing("2026-27")
    form = random_form16(random.Random(7), assessment_year="2026-27")  # someone else's PAN
    r = upload(me, filing["id"], form16_pdf(form), "form16.pdf")
    assert r.status_code == 202, r.text
    doc = wait_document(me, r.json()["id"], done)
    assert doc["text_source"] == "text-layer"
    assert {k: f["value"] for k, f in doc["fields"].items()} == as_shown(form.truth)
    # At rest the fields read are sealed with the taxpayer's data key, not kept in clear.
    with psycopg.connect(servers.database_url) as conn:
        stored = conn.execute(
            "SELECT fields, problems, sealed FROM document_status WHERE document_id = %s",
            (doc["id"],),
        ).fetchone()
    assert stored is not None and stored[:2] == (None, []) and bytes(stored[2])[:4] == b"BBk1"
    before = event_count(servers.database_url)
    refused = me.post(f"/api/v1/documents/{doc['id']}/acceptance", filing["version"], {})
    body = _problem(refused, 422, "pan-mismatch")
    assert body["field"] == "employee_pan"
    assert event_count(servers.database_url) == before


def test_a_pdf_without_a_form16_is_parsed_with_nothing(platform: Platform) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    filing = me.start_filing("2026-27")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 6, "Electricity bill for March. Units consumed: 412. Amount due: 3,120.00")
    r = upload(me, filing["id"], bytes(pdf.output()), "bill.pdf")
    assert r.status_code == 202, r.text
    doc = wait_document(me, r.json()["id"], done)
    assert doc["status"] == "parsed" and doc["form"] is None and doc["fields"] == {}
    assert doc["problems"] == ["no Form 16 found in the document"]
    refused = me.post(f"/api/v1/documents/{doc['id']}/acceptance", filing["version"], {})
    _problem(refused, 422, "not-a-form16")


def _png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A valid PNG header declaring 1.6 billion pixels, with a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _text_pdf() -> bytes:
    return form16_pdf(random_form16(random.Random(8)))


def _big_png(size: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((1400, 1400), 120).convert("L").save(buf, "PNG", compress_level=0)
    data = buf.getvalue()
    return data + b"\x00" * max(0, size - len(data))


BAD_UPLOADS: list[tuple[str, Any, int, str]] = [
    (
        "zip named .pdf",
        lambda: (b"PK\x03\x04" + b"\x00" * 200, "form16.pdf"),
        415,
        "unsupported-document-type",
    ),
    (
        "text named .png",
        lambda: (b"hello, this is not an image", "scan.png"),
        415,
        "unsupported-document-type",
    ),
    ("empty file", lambda: (b"", "form16.pdf"), 422, "document-empty"),
    ("truncated pdf", lambda: (_text_pdf()[:2500], "form16.pdf"), 422, "corrupt-document"),
    ("truncated jpeg", lambda: (_truncated_jpeg(), "scan.jpg"), 422, "corrupt-document"),
    ("image bomb", lambda: (_png_bomb(), "scan.png"), 422, "document-too-complex"),
    (
        "one byte over the limit",
        lambda: (_big_png(MAX_UPLOAD + 1), "scan.png"),
        413,
        "document-too-large",
    ),
    (
        "over the body limit",
        lambda: (_big_png(MAX_UPLOAD + 300_000), "scan.png"),  # beyond the envelope slack
        413,
        "too-large",
    ),
]


def _truncated_jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((600, 600), 60).convert("L").save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("name", "make", "status", "code"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS]
)
def test_a_bad_upload_is_a_problem_and_writes_nothing(
    platform: Platform,
    servers: ServerUrls,
    documents_dir: Path,
    name: str,
    make: Any,
    status: int,
    code: str,
) -> None:
    me = Taxpayer(platform.url()).register_and_login()
    filing = me.start_filing("2026-27")
    data, filename = make()
    events, blobs = event_count(servers.database_url), blob_count(documents_dir)
    r = upload(me, filing["id"], data, filename, "application/pdf")
    body = _problem(r, status, code)
    assert body["title"] and body["detail"]
    assert event_count(servers.database_url) == events
    assert blob_count(documents_dir) == blobs


def test_the_openapi_schema_describes_the_document_endpoints(platform: Platform) -> None:
    doc = httpx.get(platform.url() + "/schema/openapi.json", timeout=30).json()
    paths = doc["paths"]
    upload_op = paths["/api/v1/filings/{filing_id}/documents"]["post"]
    assert upload_op["operationId"] == "uploadDocument"
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert {"202", "413", "415", "422"} <= set(upload_op["responses"])
    assert paths["/api/v1/documents/{document_id}"]["get"]["operationId"] == "getDocument"
    accept = paths["/api/v1/documents/{document_id}/acceptance"]["post"]
    assert accept["operationId"] == "acceptDocument"
    assert {"409", "422", "428"} <= set(accept["responses"])
    view = doc["components"]["schemas"]["DocumentView"]["properties"]
    assert {"status", "progress", "fields", "problems", "error"} <= set(view)
