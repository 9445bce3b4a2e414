"""Uploaded files: checked by their content and size, kept outside the web root by a random key,
encrypted at rest with AES-256-GCM under a key from the environment.

A stored file is `MAGIC`, the 8-byte id of the key that sealed it, a 12-byte random nonce, then
the ciphertext with its tag. The associated data binds the file to its storage key, so a file
moved or swapped on disk fails to open. Files without the marker were stored before encryption
(PDF and DOCX start `%PDF-` or `PK`, never `MAGIC`) and are read as they are.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import hashlib
import io
import logging
import os
import re
import secrets
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Response, abort, current_app, send_file
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from portal.core.errors import DomainError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPE_LABELS = {PDF: "PDF", DOCX: "Word document (DOCX)"}
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}

# The main part of a Word document without macros; .docm files declare a different one.
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CHUNK = 64 * 1024
MAGIC = b"PORTALE1"
_KEY_ID_BYTES = 8
_NONCE_BYTES = 12
_HEADER = len(MAGIC) + _KEY_ID_BYTES + _NONCE_BYTES
log = logging.getLogger(__name__)


class UploadRejected(DomainError):
    """The file is refused: too large, empty, of a type we do not take, or could not be stored."""


class UploadUnreadable(Exception):
    """A stored file that cannot be opened: sealed by a key we no longer hold, or altered."""


def parse_key(text: str) -> bytes:
    """A key as configured: 32 random bytes in URL-safe base64 (`flask uploads new-key`)."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ValueError("an upload encryption key must be URL-safe base64") from exc
    if len(raw) != 32:
        raise ValueError("an upload encryption key must be 32 bytes (44 characters of base64)")
    return raw


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"portal-upload-key-id:" + key).digest()[:_KEY_ID_BYTES]


@dataclass(frozen=True)
class UploadKeys:
    """The key new files are sealed with, and older keys still accepted for reading."""

    current: bytes
    previous: tuple[bytes, ...] = ()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> UploadKeys:
        old = str(config.get("UPLOAD_ENCRYPTION_OLD_KEYS") or "")
        return cls(
            current=parse_key(str(config["UPLOAD_ENCRYPTION_KEY"])),
            previous=tuple(parse_key(k) for k in old.split(",") if k.strip()),
        )

    def find(self, wanted: bytes) -> bytes | None:
        return next((k for k in (self.current, *self.previous) if key_id(k) == wanted), None)


def _associated(storage_key: str, kid: bytes) -> bytes:
    return MAGIC + kid + storage_key.encode("ascii")


def seal(keys: UploadKeys, storage_key: str, data: bytes) -> bytes:
    kid = key_id(keys.current)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(keys.current).encrypt(nonce, data, _associated(storage_key, kid))
    return MAGIC + kid + nonce + sealed


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def sealed_by(blob: bytes) -> bytes | None:
    """The id of the key that sealed the blob; None for a file stored before encryption."""
    return blob[len(MAGIC) : len(MAGIC) + _KEY_ID_BYTES] if is_sealed(blob) else None


def unseal(keys: UploadKeys, storage_key: str, blob: bytes) -> bytes:
    if not is_sealed(blob):
        return blob  # stored before encryption
    kid = blob[len(MAGIC) : len(MAGIC) + _KEY_ID_BYTES]
    nonce = blob[len(MAGIC) + _KEY_ID_BYTES : _HEADER]
    key = keys.find(kid)
    if key is None:
        raise UploadUnreadable(f"{storage_key} was sealed with a key that is not configured")
    try:
        return AESGCM(key).decrypt(nonce, blob[_HEADER:], _associated(storage_key, kid))
    except InvalidTag as exc:
        raise UploadUnreadable(f"{storage_key} has been altered or damaged") from exc


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    content_type: str


# A DOCX that would unpack to more than this, or holds more parts than this, is refused as
# a likely zip bomb (real reports are a few megabytes unpacked).
MAX_UNPACKED = 200 * 1024 * 1024
MAX_PARTS = 5_000
_MAX_CONTENT_TYPES = 1024 * 1024
# PDF names that run or carry something: scripts, launching programs, embedded files, media.
ACTIVE_PDF_NAMES = frozenset(
    {"JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA"}
)
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")


class UnsafeContent(UploadRejected):
    """A PDF or DOCX that is the right type but carries something we do not accept."""


def sniff(source: Path | bytes) -> str | None:
    """The file's real type from its bytes (PDF or DOCX), whatever its name says. Raises
    UnsafeContent for a file of the right type that we still refuse: a PDF with scripts or
    embedded files, a file that is both a PDF and a ZIP, a DOCX that would unpack too far."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    head = data[:8]
    if head.startswith(b"%PDF-"):
        if zipfile.is_zipfile(io.BytesIO(data)):
            raise UnsafeContent(
                "The selected file is both a PDF and an archive: save it as a PDF again"
            )
        if _pdf_is_active(data):
            raise UnsafeContent(
                "The selected PDF contains scripts or embedded files: print it to a new PDF "
                "without them, then upload that"
            )
        return PDF
    if head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(io.BytesIO(data)):
        if b"%PDF-" in data[:1024]:
            raise UnsafeContent("The selected file is both a Word document and a PDF")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = archive.infolist()
                if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED:
                    raise UnsafeContent(
                        "The selected Word document is too large when unpacked: save it again "
                        "without embedded media, or as a PDF"
                    )
                names = {p.filename for p in parts}
                if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                    return None
                with archive.open("[Content_Types].xml") as handle:
                    raw = handle.read(_MAX_CONTENT_TYPES + 1)
                if len(raw) > _MAX_CONTENT_TYPES:
                    return None
                types = raw.decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, KeyError, EOFError, zlib.error):
            return None
        return DOCX if _DOCX_MAIN in types else None
    return None


def _unescape_name(raw: bytes) -> str:
    """A PDF name with its #xx escapes undone (/J#61vaScript is /JavaScript)."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode(
        "latin-1"
    )


def _pdf_is_active(data: bytes) -> bool:
    """Whether the PDF names anything that runs or carries files: in its bytes as written, and
    in every object a reader reaches, including those in compressed object streams."""
    if any(_unescape_name(m.group(1)) in ACTIVE_PDF_NAMES for m in _PDF_NAME.finditer(data)):
        return True
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        stack: list[Any] = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        visited = 0
        while stack and visited < 200_000:
            item = stack.pop()
            visited += 1
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) in seen:
                    continue
                seen.add((item.idnum, item.generation))
                item = item.get_object()
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    if str(key).lstrip("/") in ACTIVE_PDF_NAMES:
                        return True
                    if isinstance(value, NameObject) and str(value).lstrip("/") in ACTIVE_PDF_NAMES:
                        return True
                    stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
    except Exception:  # a PDF pypdf cannot walk was still scanned above
        return False
    return False


def _remove(path: Path) -> None:
    # Where the folder cannot be written, nothing was written either.
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "nothing written")
        view = view[written:]


class UploadStore:
    """Files under one folder, named by random keys: no user-supplied name touches the disk.
    Everything written is sealed with the configured key; reads open it again."""

    def __init__(self, root: Path, keys: UploadKeys | None = None) -> None:
        self.root = root
        self._keys = keys

    @property
    def keys(self) -> UploadKeys:
        if self._keys is None:
            self._keys = UploadKeys.from_config(current_app.config)
        return self._keys

    def path_of(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("Not an upload key")
        return self.root / key[:2] / key

    def exists(self, key: str) -> bool:
        return self.path_of(key).is_file()

    def read(self, key: str) -> bytes:
        """The file as it was uploaded. FileNotFoundError if it is not there; UploadUnreadable
        if it cannot be opened."""
        return unseal(self.keys, key, self.path_of(key).read_bytes())

    def write(self, key: str, data: bytes) -> None:
        """Seal and store `data` under `key`, whole or not at all: written to a partial file,
        flushed to disk, then renamed. OSError (a full disk, say) leaves nothing behind."""
        target = self.path_of(key)
        partial = target.with_suffix(".partial")
        blob = seal(self.keys, key, data)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_all(fd, blob)
                os.fsync(fd)
            finally:
                os.close(fd)
            partial.replace(target)
        except OSError:
            _remove(partial)
            raise

    def save(self, stream: IO[bytes], *, max_bytes: int, accept: frozenset[str]) -> StoredFile:
        """Store the stream if it is a non-empty file of an accepted type within the size limit.
        Nothing is left on disk when it is refused or cannot be written."""
        buffer = bytearray()
        while chunk := stream.read(_CHUNK):
            buffer += chunk
            if len(buffer) > max_bytes:
                raise UploadRejected(
                    f"The file must be smaller than {max_bytes // (1024 * 1024)} MB"
                )
        data = bytes(buffer)
        if not data:
            raise UploadRejected("The selected file is empty")
        content_type = sniff(data)
        if content_type is None or content_type not in accept:
            names = " or ".join(TYPE_LABELS[t] for t in sorted(accept))
            raise UploadRejected(f"The selected file must be a {names}")
        key = secrets.token_hex(16)
        try:
            self.write(key, data)
        except OSError as exc:
            log.error("upload not stored: %s", exc)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise UploadRejected(
                    "The file could not be saved because the portal has run out of storage "
                    "space. Try again later; we have been told about the problem"
                ) from exc
            raise UploadRejected(
                "The file could not be saved. Try again later, or contact us if it keeps happening"
            ) from exc
        return StoredFile(
            key=key,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_type=content_type,
        )

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def keys_on_disk(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("*/*")):
            if path.is_file() and path.name.isalnum():
                yield path.name

    def reseal(self, key: str) -> bool:
        """Seal the file again with the current key if an older key (or none) sealed it."""
        blob = self.path_of(key).read_bytes()
        if sealed_by(blob) == key_id(self.keys.current):
            return False
        self.write(key, unseal(self.keys, key, blob))
        return True


def send_stored(store: UploadStore, key: str, *, mimetype: str, download_name: str) -> Response:
    """The stored file as a private download, opened again from its sealed form; 404 if it is
    not there. A file that cannot be opened is a server error (logged with the request id)."""
    try:
        data = store.read(key)
    except (FileNotFoundError, ValueError):
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=download_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
