"""Is an upload a document we can read? Decided by content, never by name or header.

The first bytes must be those of a PNG, JPEG, TIFF or PDF, and the file must actually open
as one: Pillow decodes every frame of an image (a truncated one fails), pypdf and pdfium
both open a PDF (which must end with %%EOF: a truncated one does not). Decompression bombs
are refused before any pixel is decoded: images by their declared size, PDFs by their page
count and page size (what rendering at 300 dpi would cost).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import pypdf
import pypdfium2 as pdfium
from PIL import Image

from commands.errors import CommandError

PNG, JPEG, TIFF, PDF = "image/png", "image/jpeg", "image/tiff", "application/pdf"
_PIL_FORMAT = {PNG: "PNG", JPEG: "JPEG", TIFF: "TIFF"}
RENDER_DPI = 300


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000  # per page; A4 at 600 dpi is 35 million
    max_pages: int = 20
    max_page_inches: float = 50.0  # a PDF page's longer side (A0 is 46.8 in)


@dataclass(frozen=True)
class FileFacts:
    media_type: str
    pages: int


class DocumentRejected(CommandError):
    code = "document-rejected"
    title = "The file cannot be used"


class EmptyDocument(DocumentRejected):
    code = "document-empty"
    title = "The file is empty"


class DocumentTooLarge(DocumentRejected):
    code = "document-too-large"
    title = "The file is too large"


class UnsupportedDocument(DocumentRejected):
    code = "unsupported-document-type"
    title = "Only PNG, JPEG, TIFF and PDF files are accepted"


class CorruptDocument(DocumentRejected):
    code = "corrupt-document"
    title = "The file is damaged or incomplete"


class DocumentTooComplex(DocumentRejected):
    """A decompression bomb, or simply more pages or pixels than a tax document has."""

    code = "document-too-complex"
    title = "The file has too many pages or pixels"


class EncryptedDocument(DocumentRejected):
    code = "document-encrypted"
    title = "The PDF is password-protected"


def sniff(data: bytes) -> str | None:
    """The media type the content is, from its magic bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if b"%PDF-" in data[:1024]:
        return PDF
    return None


def inspect(data: bytes, limits: UploadLimits) -> FileFacts:
    if not data:
        raise EmptyDocument("the uploaded file has no content")
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(
            f"the file is {len(data)} bytes; the limit is {limits.max_bytes} bytes"
        )
    kind = sniff(data)
    if kind is None:
        raise UnsupportedDocument(
            "the content is not a PNG, JPEG, TIFF or PDF (whatever its name says)"
        )
    if kind == PDF:
        return FileFacts(PDF, _pdf_pages(data, limits))
    return FileFacts(kind, _image_pages(data, kind, limits))


def _image_pages(data: bytes, kind: str, limits: UploadLimits) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PIL_FORMAT[kind]]) as img:
                frames = int(getattr(img, "n_frames", 1))
                if frames > limits.max_pages:
                    raise DocumentTooComplex(
                        f"the image has {frames} pages; at most {limits.max_pages} are accepted"
                    )
                for index in range(frames):
                    img.seek(index)
                    width, height = img.size
                    if width * height > limits.max_pixels:
                        raise DocumentTooComplex(
                            f"page {index + 1} is {width}x{height} pixels; at most "
                            f"{limits.max_pixels} pixels a page are accepted"
                        )
                    if width < 16 or height < 16:
                        raise CorruptDocument(f"page {index + 1} is only {width}x{height} pixels")
                    img.load()
                return frames
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentTooComplex(f"the image is a decompression bomb: {exc}") from None
    except DocumentRejected:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError) as exc:
        raise CorruptDocument(f"the image cannot be decoded: {_short(exc)}") from None


def _pdf_pages(data: bytes, limits: UploadLimits) -> int:
    if b"%%EOF" not in data[-1024:]:
        raise CorruptDocument("the PDF is incomplete: it does not end with %%EOF")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedDocument("the PDF needs a password to open; upload it unprotected")
        count = len(reader.pages)
        if count == 0:
            raise CorruptDocument("the PDF has no pages")
        if count > limits.max_pages:
            raise DocumentTooComplex(
                f"the PDF has {count} pages; at most {limits.max_pages} are accepted"
            )
        for index, page in enumerate(reader.pages):
            _check_page(index, float(page.mediabox.width), float(page.mediabox.height), limits)
    except DocumentRejected:
        raise
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise CorruptDocument(f"the PDF cannot be read: {_short(exc)}") from None
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedDocument("the PDF needs a password to open") from None
        raise CorruptDocument(f"the PDF cannot be rendered: {_short(exc)}") from None
    try:
        if len(document) != count:
            raise CorruptDocument("the PDF's page tree is inconsistent")
    finally:
        document.close()
    return count


def _check_page(index: int, width_pt: float, height_pt: float, limits: UploadLimits) -> None:
    longest = max(abs(width_pt), abs(height_pt)) / 72
    if longest > limits.max_page_inches:
        raise DocumentTooComplex(
            f"page {index + 1} is {longest:.0f} inches long; at most "
            f"{limits.max_page_inches:.0f} are accepted"
        )
    pixels = (abs(width_pt) / 72 * RENDER_DPI) * (abs(height_pt) / 72 * RENDER_DPI)
    if pixels > limits.max_pixels:
        raise DocumentTooComplex(f"page {index + 1} is too large to render for reading")


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
