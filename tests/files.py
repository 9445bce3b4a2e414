"""Small invented files for upload tests: real PDF and DOCX structure, and some impostors."""

from __future__ import annotations

import io
import textwrap
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _pdf_string(line: str) -> bytes:
    escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252", "replace") + b")"


def pdf_bytes(text: str = "Invented anonymised report", *, padding: int = 0) -> bytes:
    """A real PDF whose pages show `text`: lines wrapped at 85 characters, a blank line where the
    text has one, a new page at each form feed (\\f). `padding` bytes of comment make it larger."""
    pages = []
    for page_text in text.split("\f"):
        lines: list[str] = []
        for line in page_text.split("\n"):
            lines.extend(textwrap.wrap(line, 85) or [""])
        content = (
            b"BT /F1 10 Tf 13 TL 56 790 Td\n"
            + b"".join(_pdf_string(line) + b" Tj T*\n" for line in lines)
            + b"ET\n"
        )
        pages.append(content)
    count = len(pages)
    kids = " ".join(f"{3 + 2 * n} 0 R" for n in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
    ]
    font = 3 + 2 * count
    for n, content in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * n} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"endstream")
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    body = b"%PDF-1.4\n" + (b"%" + b"0" * padding + b"\n" if padding else b"")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += (
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return body


def docx_bytes(main_type: str = DOCX_MAIN, *, paragraphs: Sequence[str] = ("Invented",)) -> bytes:
    """A Word document with these paragraphs (a line break where a paragraph has a newline)."""
    body = "".join(
        "<w:p><w:r>"
        + "<w:br/>".join(
            f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in p.split("\n")
        )
        + "</w:r></w:p>"
        for p in paragraphs
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/word/document.xml" ContentType="{main_type}"/>'
            "</Types>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>',
        )
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a document")
    return buffer.getvalue()


EXECUTABLE = b"MZ\x90\x00" + b"\x00" * 200
HTML = b"<!doctype html><script>alert(1)</script>"
