"""Uploads are sealed at rest with AES-256-GCM: each file with its own nonce, bound to its
storage key, readable under older keys until re-sealed, and files stored before encryption
still open. A full disk gives a clear error and leaves nothing behind."""

from __future__ import annotations

import errno
import io
import os

import pytest

from config.settings import ConfigError, settings_for
from portal.applications.models import WorkSample
from portal.core.uploads import (
    DOCX,
    MAGIC,
    PDF,
    UploadKeys,
    UploadRejected,
    UploadStore,
    UploadUnreadable,
    new_key,
    parse_key,
)
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_application
from tests.files import pdf_bytes
from tests.support import error_messages, page_checks, sign_in_as, submit

BOTH = frozenset({PDF, DOCX})


def _keys(*, previous: tuple[str, ...] = ()) -> tuple[UploadKeys, str]:
    current = new_key()
    return UploadKeys(parse_key(current), tuple(parse_key(k) for k in previous)), current


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_stored_file_is_sealed_and_opens_to_the_same_bytes(tmp_path):
    keys, _ = _keys()
    store = UploadStore(tmp_path, keys)
    content = pdf_bytes("Invented report about an invented family")
    stored = store.save(io.BytesIO(content), max_bytes=10**6, accept=BOTH)
    raw = store.path_of(stored.key).read_bytes()
    assert raw.startswith(MAGIC)
    assert b"Invented report" not in raw and b"%PDF" not in raw
    assert store.read(stored.key) == content


def test_each_file_has_its_own_nonce(tmp_path):
    keys, _ = _keys()
    store = UploadStore(tmp_path, keys)
    content = pdf_bytes()
    one = store.save(io.BytesIO(content), max_bytes=10**6, accept=BOTH)
    two = store.save(io.BytesIO(content), max_bytes=10**6, accept=BOTH)
    first, second = (store.path_of(s.key).read_bytes() for s in (one, two))
    assert first[len(MAGIC) + 8 : len(MAGIC) + 20] != second[len(MAGIC) + 8 : len(MAGIC) + 20]
    assert first[len(MAGIC) + 20 :] != second[len(MAGIC) + 20 :]


def test_an_altered_or_swapped_file_does_not_open(tmp_path):
    keys, _ = _keys()
    store = UploadStore(tmp_path, keys)
    one = store.save(io.BytesIO(pdf_bytes("one")), max_bytes=10**6, accept=BOTH)
    two = store.save(io.BytesIO(pdf_bytes("two")), max_bytes=10**6, accept=BOTH)
    path = store.path_of(one.key)
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(UploadUnreadable, match="altered"):
        store.read(one.key)
    # The bytes of one file put in another's place do not pass as that file.
    path.write_bytes(store.path_of(two.key).read_bytes())
    with pytest.raises(UploadUnreadable, match="altered"):
        store.read(one.key)


def test_a_file_sealed_with_a_key_we_no_longer_hold_does_not_open(tmp_path):
    keys, _ = _keys()
    stored = UploadStore(tmp_path, keys).save(io.BytesIO(pdf_bytes()), max_bytes=10**6, accept=BOTH)
    other, _ = _keys()
    with pytest.raises(UploadUnreadable, match="not configured"):
        UploadStore(tmp_path, other).read(stored.key)


def test_a_file_stored_before_encryption_is_still_read(tmp_path):
    keys, _ = _keys()
    store = UploadStore(tmp_path, keys)
    key = "ab" * 16
    store.path_of(key).parent.mkdir(parents=True)
    store.path_of(key).write_bytes(pdf_bytes("stored in plain"))
    assert store.read(key) == pdf_bytes("stored in plain")


def test_rotating_the_key_reseals_old_files_and_is_safe_to_repeat(tmp_path, app):
    old_keys, old_text = _keys()
    old_store = UploadStore(tmp_path, old_keys)
    sealed = old_store.save(io.BytesIO(pdf_bytes("old")), max_bytes=10**6, accept=BOTH)
    plain = "cd" * 16
    old_store.path_of(plain).parent.mkdir(parents=True, exist_ok=True)
    old_store.path_of(plain).write_bytes(pdf_bytes("plain"))

    current = new_key()
    config = {"UPLOAD_ENCRYPTION_KEY": current, "UPLOAD_ENCRYPTION_OLD_KEYS": old_text}
    store = UploadStore(tmp_path, UploadKeys.from_config(config))
    assert store.read(sealed.key) == pdf_bytes("old")  # the old key still opens it

    assert sorted(store.reseal(k) for k in store.keys_on_disk()) == [True, True]
    assert [store.reseal(k) for k in store.keys_on_disk()] == [False, False]
    only_current = UploadStore(tmp_path, UploadKeys(parse_key(current)))
    assert only_current.read(sealed.key) == pdf_bytes("old")
    assert only_current.read(plain) == pdf_bytes("plain")
    assert only_current.path_of(plain).read_bytes().startswith(MAGIC)


def test_the_rotate_command_reports_what_it_did(app, tmp_path, monkeypatch):
    old_text = app.config["UPLOAD_ENCRYPTION_KEY"]
    store = UploadStore(app.config["UPLOAD_DIR"])
    stored = store.save(io.BytesIO(pdf_bytes()), max_bytes=10**6, accept=BOTH)
    monkeypatch.setitem(app.config, "UPLOAD_ENCRYPTION_KEY", new_key())
    monkeypatch.setitem(app.config, "UPLOAD_ENCRYPTION_OLD_KEYS", old_text)
    result = app.test_cli_runner().invoke(args=["uploads", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Sealed" in result.output
    monkeypatch.setitem(app.config, "UPLOAD_ENCRYPTION_OLD_KEYS", "")
    assert UploadStore(app.config["UPLOAD_DIR"]).read(stored.key) == pdf_bytes()
    assert len(parse_key(app.test_cli_runner().invoke(args=["uploads", "new-key"]).output)) == 32


def _full_disk(monkeypatch):
    """The operating system refuses the write as a full disk would."""
    real_write = os.write

    def write(fd: int, data) -> int:
        if os.fstat(fd).st_size > 0 or len(data) > 512:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


def test_a_full_disk_gives_a_clear_error_and_leaves_no_file(tmp_path, monkeypatch):
    keys, _ = _keys()
    store = UploadStore(tmp_path / "uploads", keys)
    _full_disk(monkeypatch)
    with pytest.raises(UploadRejected, match="run out of storage space"):
        store.save(io.BytesIO(pdf_bytes(padding=4096)), max_bytes=10**6, accept=BOTH)
    assert _files(tmp_path / "uploads") == []


def test_a_full_disk_during_a_work_sample_upload_leaves_no_file_and_no_row(
    client, app, monkeypatch
):
    application = make_application(complete=False)
    sign_in_as(client, application.applicant)
    url = f"/applications/{application.id}/work-samples"
    before = _files(app.config["UPLOAD_DIR"])
    _full_disk(monkeypatch)
    response = submit(
        client, url, {"title": "My report", "file": (io.BytesIO(pdf_bytes(padding=4096)), "r.pdf")}
    )
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert any("run out of storage space" in m for m in error_messages(soup))
    assert count(WorkSample, WorkSample.application_id == application.id) == 0
    assert _files(app.config["UPLOAD_DIR"]) == before
    db.session.rollback()


def test_production_refuses_to_start_without_an_upload_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("UPLOAD_ENCRYPTION_KEY", raising=False)
    with pytest.raises(ConfigError, match="UPLOAD_ENCRYPTION_KEY"):
        settings_for("production")
    monkeypatch.setenv("UPLOAD_ENCRYPTION_KEY", "too-short")
    with pytest.raises(ConfigError, match="32 bytes"):
        settings_for("production")
    monkeypatch.setenv("UPLOAD_ENCRYPTION_KEY", new_key())
    monkeypatch.setenv("UPLOAD_ENCRYPTION_OLD_KEYS", "not-a-key")
    with pytest.raises(ConfigError, match="32 bytes"):
        settings_for("production")
    monkeypatch.setenv("UPLOAD_ENCRYPTION_OLD_KEYS", new_key())
    assert settings_for("production").UPLOAD_ENCRYPTION_KEY


def test_development_and_tests_derive_a_stable_key(monkeypatch):
    monkeypatch.delenv("UPLOAD_ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY", "development-secret")
    first = settings_for("development").UPLOAD_ENCRYPTION_KEY
    assert first == settings_for("development").UPLOAD_ENCRYPTION_KEY
    assert len(parse_key(first)) == 32
