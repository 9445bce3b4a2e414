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
