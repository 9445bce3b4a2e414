"""Uploads are judged by their bytes and size, and nothing is left behind when one is refused."""

from __future__ import annotations

import io

import pytest

from portal.core.uploads import DOCX, PDF, UploadRejected, UploadStore, sniff
from tests.files import DOCM_MAIN, EXECUTABLE, HTML, docx_bytes, pdf_bytes, zip_bytes

BOTH = frozenset({PDF, DOCX})


def _store(tmp_path):
    return UploadStore(tmp_path / "uploads")


def _files(tmp_path):
    root = tmp_path / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(("content", "expected"), [(pdf_bytes(), PDF), (docx_bytes(), DOCX)])
def test_pdf_and_docx_are_stored_with_their_real_type(tmp_path, content, expected):
    stored = _store(tmp_path).save(io.BytesIO(content), max_bytes=10**6, accept=BOTH)
    assert stored.content_type == expected
    assert stored.size == len(content)
    assert _store(tmp_path).read(stored.key) == content
    assert _store(tmp_path).path_of(stored.key).read_bytes() != content  # sealed at rest
    assert len(stored.sha256) == 64


@pytest.mark.parametrize(
    "content",
    [EXECUTABLE, HTML, zip_bytes(), docx_bytes(DOCM_MAIN), b"%PD not quite", b"PK\x03\x04junk"],
    ids=["executable", "html", "zip", "macro-document", "almost-pdf", "broken-zip"],
)
def test_other_content_is_refused_whatever_the_name_and_nothing_is_left(tmp_path, content):
    with pytest.raises(UploadRejected, match="must be a PDF or Word document"):
        _store(tmp_path).save(io.BytesIO(content), max_bytes=10**6, accept=BOTH)
    assert _files(tmp_path) == []


def test_a_file_over_the_limit_is_refused_and_removed(tmp_path):
    with pytest.raises(UploadRejected, match="smaller than 1 MB"):
        _store(tmp_path).save(
            io.BytesIO(pdf_bytes(padding=2 * 1024 * 1024)), max_bytes=1024 * 1024, accept=BOTH
        )
    assert _files(tmp_path) == []


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(UploadRejected, match="empty"):
        _store(tmp_path).save(io.BytesIO(b""), max_bytes=10, accept=BOTH)
    assert _files(tmp_path) == []


def test_a_type_not_accepted_here_is_refused(tmp_path):
    with pytest.raises(UploadRejected, match="must be a PDF"):
        _store(tmp_path).save(io.BytesIO(docx_bytes()), max_bytes=10**6, accept=frozenset({PDF}))


def test_a_disk_that_cannot_be_written_gives_a_clear_error_and_no_file(tmp_path):
    blocker = tmp_path / "uploads"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(UploadRejected, match="could not be saved"):
        UploadStore(blocker).save(io.BytesIO(pdf_bytes()), max_bytes=10**6, accept=BOTH)


def test_keys_never_reach_outside_the_store(tmp_path):
    with pytest.raises(ValueError, match="Not an upload key"):
        _store(tmp_path).path_of("../../etc/passwd")


def test_sniff_reads_bytes_not_names(tmp_path):
    renamed = tmp_path / "report.pdf"
    renamed.write_bytes(EXECUTABLE)
    assert sniff(renamed) is None
    disguised = tmp_path / "notes.txt"
    disguised.write_bytes(pdf_bytes())
    assert sniff(disguised) == PDF


# --- files of the right type that still carry something we refuse ---------------------------


def _pdf_with(extra_catalog: str, extra_objects: str = "") -> bytes:
    """A small PDF whose catalog has `extra_catalog` in it."""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {extra_catalog} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    if extra_objects:
        objects.append(extra_objects)
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


@pytest.mark.parametrize(
    "content",
    [
        _pdf_with("/OpenAction 4 0 R", "<< /S /JavaScript /JS (app.alert(1)) >>"),
        _pdf_with("/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
        _pdf_with("/OpenAction << /S /Launch /F (cmd.exe) >>"),
        _pdf_with("/Names << /EmbeddedFiles 4 0 R >>", "<< /Names [] >>"),
    ],
    ids=["javascript", "escaped-javascript", "launch", "embedded-file"],
)
def test_a_pdf_with_scripts_or_embedded_files_is_refused(tmp_path, content):
    with pytest.raises(UploadRejected, match="scripts or embedded files"):
        _store(tmp_path).save(io.BytesIO(content), max_bytes=10**6, accept=BOTH)
    assert _files(tmp_path) == []


def test_a_plain_pdf_of_the_same_shape_is_accepted(tmp_path):
    stored = _store(tmp_path).save(io.BytesIO(_pdf_with("")), max_bytes=10**6, accept=BOTH)
    assert stored.content_type == PDF


def test_a_docx_zip_bomb_is_refused_without_unpacking_it(tmp_path):
    import zipfile

    buffer = io.BytesIO()
    real = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in real.infolist():
            archive.writestr(part.filename, real.read(part.filename))
        archive.writestr("word/media/bomb.bin", b"\0" * (250 * 1024 * 1024))
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024  # small on disk, 250 MB unpacked
    with pytest.raises(UploadRejected, match="too large when unpacked"):
        _store(tmp_path).save(io.BytesIO(bomb), max_bytes=10 * 1024 * 1024, accept=BOTH)
    assert _files(tmp_path) == []


def test_a_file_that_is_both_a_pdf_and_a_zip_is_refused(tmp_path):
    polyglot = pdf_bytes() + docx_bytes()  # a ZIP's directory is at its end: both readers open it
    with pytest.raises(UploadRejected, match="both a PDF and an archive"):
        _store(tmp_path).save(io.BytesIO(polyglot), max_bytes=10**6, accept=BOTH)
    docx_first = bytearray(docx_bytes())
    with pytest.raises(UploadRejected):
        _store(tmp_path).save(
            io.BytesIO(bytes(docx_first[:30]) + b"%PDF-1.7" + bytes(docx_first[30:])),
            max_bytes=10**6,
            accept=BOTH,
        )
    assert _files(tmp_path) == []


def test_a_pdf_named_as_a_word_document_is_stored_as_the_pdf_it_is(tmp_path):
    # Names are never trusted: the type comes from the bytes, and downloads use that type.
    stored = _store(tmp_path).save(io.BytesIO(pdf_bytes()), max_bytes=10**6, accept=BOTH)
    assert stored.content_type == PDF
