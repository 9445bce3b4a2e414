"""The text of an uploaded review report (PDF or Word), read defensively: size, page, time and
decompression limits, a parser that refuses XML entity tricks, and a clear error instead of a
crash for anything encrypted, damaged or not a document."""

from __future__ import annotations

import io
import logging
import time
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError  # types; defusedxml parses  # nosec B405

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 400
MAX_SECONDS = 30.0
MAX_CHARACTERS = 2_000_000
# A DOCX part is XML: it compresses well, but not a thousand times over.
MAX_XML_BYTES = 50 * 1024 * 1024
MAX_RATIO = 200

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

log = logging.getLogger(__name__)


class ExtractionError(Exception):
    """The text could not be read; `message` says why in words fit to show the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_pages: int = MAX_PAGES
    max_seconds: float = MAX_SECONDS
    max_characters: int = MAX_CHARACTERS
    max_xml_bytes: int = MAX_XML_BYTES


def extract_text(data: bytes, limits: Limits | None = None) -> str:
    """The text of a PDF or DOCX, paragraphs separated by blank lines (PDF pages too).

    The type comes from the bytes, not a name. A document with no text (a scanned PDF) gives
    an empty string; anything that cannot be read raises ExtractionError.
    """
    limits = limits or Limits()
    if not data:
        raise ExtractionError("The file is empty")
    if len(data) > limits.max_bytes:
        raise ExtractionError(
            f"The file is larger than {limits.max_bytes // (1024 * 1024)} MB, so its text "
            "was not read"
        )
    if data.startswith(b"%PDF-"):
        return _pdf_text(data, limits)
    if data.startswith(b"PK\x03\x04"):
        return _docx_text(data, limits)
    raise ExtractionError("The file is not a PDF or a Word document (DOCX)")


# --- PDF ---------------------------------------------------------------------------------------


def _pdf_text(data: bytes, limits: Limits) -> str:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    started = time.monotonic()
    # pypdf reads untrusted structure: a damaged file can fail in many ways (its own errors,
    # but also ValueError, KeyError, RecursionError...). Every one of them means "cannot read".
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # Many "protected" PDFs only restrict printing or editing and open with no
            # password; a PDF that needs one cannot be read here.
            try:
                opened = reader.decrypt("")
            except (PyPdfError, NotImplementedError) as exc:
                raise ExtractionError(_ENCRYPTED) from exc
            if not opened:
                raise ExtractionError(_ENCRYPTED)
        count = len(reader.pages)
        if count > limits.max_pages:
            raise ExtractionError(
                f"The PDF has {count} pages; text is read from documents of up to "
                f"{limits.max_pages} pages"
            )
        pages: list[str] = []
        characters = 0
        for number, page in enumerate(reader.pages, start=1):
            if time.monotonic() - started > limits.max_seconds:
                raise ExtractionError(
                    f"Reading the PDF took too long (stopped at page {number} of {count})"
                )
            text = page.extract_text() or ""
            characters += len(text)
            if characters > limits.max_characters:
                raise ExtractionError("The PDF holds more text than can be analysed")
            pages.append(text.strip())
    except ExtractionError:
        raise
    except FileNotDecryptedError as exc:
        raise ExtractionError(_ENCRYPTED) from exc
    except Exception as exc:  # any failure of the parser: see above
        log.info("pdf text extraction failed: %s", type(exc).__name__)
        raise ExtractionError("The PDF could not be read: it may be damaged") from exc
    return "\n\n".join(p for p in pages if p)


_ENCRYPTED = "The PDF is protected by a password. Upload a copy without a password"


# --- DOCX --------------------------------------------------------------------------------------


def _read_part(archive: zipfile.ZipFile, name: str, limits: Limits) -> bytes | None:
    """One part of the package, refusing one that inflates beyond the limits, whatever its
    header declares."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limits.max_xml_bytes or (
        info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
    ):
        raise ExtractionError(_BOMB)
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as part:
        while chunk := part.read(64 * 1024):
            size += len(chunk)
            if size > limits.max_xml_bytes or size > max(
                info.file_size, MAX_RATIO * max(info.compress_size, 1)
            ):
                raise ExtractionError(_BOMB)
            chunks.append(chunk)
    return b"".join(chunks)


_BOMB = "The Word document expands to far more than its size suggests, so it was not read"


def _parse(xml: bytes) -> Element:
    try:
        return fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ExtractionError("The Word document contains XML that is not allowed") from exc
    except (ParseError, ValueError, LookupError) as exc:  # LookupError: an unknown encoding
        raise ExtractionError("The Word document could not be read: it may be damaged") from exc


def _docx_text(data: bytes, limits: Limits) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > 4 * limits.max_xml_bytes:
                raise ExtractionError(_BOMB)
            document = _read_part(archive, "word/document.xml", limits)
            if document is None:
                raise ExtractionError("The file is a zip archive, not a Word document (DOCX)")
            numbering = _read_part(archive, "word/numbering.xml", limits)
    except ExtractionError:
        raise
    except Exception as exc:  # any failure reading a damaged archive, as for PDFs
        # BadZipFile, but also ValueError (negative seeks), zlib.error, EOFError,
        # RuntimeError (an encrypted entry), NotImplementedError (an unknown compression).
        log.info("docx text extraction failed: %s", type(exc).__name__)
        raise ExtractionError("The Word document could not be read: it may be damaged") from exc
    formats = _numbering_formats(_parse(numbering)) if numbering else {}
    paragraphs = _Paragraphs(formats)
    try:
        paragraphs.walk(_parse(document))
    except RecursionError as exc:  # Word nests a few levels; thousands is a hostile file
        raise ExtractionError("The Word document is nested too deeply to be read") from exc
    text = "\n\n".join(p for p in paragraphs.found if p.strip())
    if len(text) > limits.max_characters:
        raise ExtractionError("The Word document holds more text than can be analysed")
    return text


def _numbering_formats(root: Element) -> dict[str, dict[int, str]]:
    """numId -> list level -> number format ("decimal", "bullet", "lowerLetter"...)."""
    abstract: dict[str, dict[int, str]] = {}
    for item in root.iter(f"{W}abstractNum"):
        levels = {}
        for level in item.iter(f"{W}lvl"):
            fmt = level.find(f"{W}numFmt")
            index = level.get(f"{W}ilvl", "0")
            if index.isdigit():
                levels[int(index)] = fmt.get(f"{W}val", "decimal") if fmt is not None else ""
        abstract[item.get(f"{W}abstractNumId", "")] = levels
    formats = {}
    for num in root.iter(f"{W}num"):
        ref = num.find(f"{W}abstractNumId")
        if ref is not None:
            formats[num.get(f"{W}numId", "")] = abstract.get(ref.get(f"{W}val", ""), {})
    return formats


_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]


def _label(fmt: str, n: int) -> str:
    """How Word shows item n of a list of this format, near enough for finding lists."""
    if fmt in ("decimal", "decimalZero", ""):
        return f"{n}."
    if fmt == "lowerLetter":
        return f"{chr(ord('a') + (n - 1) % 26)})"
    if fmt == "upperLetter":
        return f"{chr(ord('A') + (n - 1) % 26)}."
    if fmt == "lowerRoman" and n <= len(_ROMAN):
        return f"{_ROMAN[n - 1]}."
    if fmt == "upperRoman" and n <= len(_ROMAN):
        return f"{_ROMAN[n - 1].upper()}."
    if fmt == "none":
        return ""
    return "\u2022"


class _Paragraphs:
    """Walks the document body in order; each w:p gives one paragraph, list paragraphs with the
    number or bullet Word would show."""

    def __init__(self, formats: dict[str, dict[int, str]]) -> None:
        self.formats = formats
        self.found: list[str] = []
        self.counters: dict[str, list[int]] = {}

    def walk(self, element: Element) -> None:
        for child in element:
            if child.tag == MC_FALLBACK:
                continue  # the same content as the Choice beside it, for older readers
            if child.tag == f"{W}p":
                self.paragraph(child)
            else:
                self.walk(child)

    def paragraph(self, p: Element) -> None:
        parts: list[str] = []
        nested: list[Element] = []
        self._text(p, parts, nested)
        text = "".join(parts).strip()
        prefix = self._number(p) if text else ""
        self.found.append(f"{prefix} {text}" if prefix else text)
        for inner in nested:  # text boxes inside the paragraph, after it
            self.walk(inner)

    def _text(self, element: Element, parts: list[str], nested: list[Element]) -> None:
        for child in element:
            tag = child.tag
            if tag == f"{W}t":
                parts.append(child.text or "")
            elif tag == f"{W}tab":
                parts.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
            elif tag == f"{W}noBreakHyphen":
                parts.append("-")
            elif tag == MC_FALLBACK:
                continue
            elif tag == f"{W}txbxContent":
                nested.append(child)
            elif tag not in (f"{W}delText", f"{W}instrText", f"{W}pPr"):
                self._text(child, parts, nested)

    def _number(self, p: Element) -> str:
        props = p.find(f"{W}pPr/{W}numPr")
        if props is None:
            return ""
        num = props.find(f"{W}numId")
        ilvl = props.find(f"{W}ilvl")
        num_id = num.get(f"{W}val", "") if num is not None else ""
        level_text = ilvl.get(f"{W}val", "0") if ilvl is not None else "0"
        level = int(level_text) if level_text.isdigit() and int(level_text) < 9 else 0
        if not num_id or num_id == "0":
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        counters[level] += 1
        for deeper in range(level + 1, 9):
            counters[deeper] = 0
        fmt = self.formats.get(num_id, {}).get(level, "bullet" if not self.formats else "")
        return _label(fmt, counters[level])
