"""Uploaded files: checked by their content and size, kept outside the web root by a random key."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from portal.core.errors import DomainError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TYPE_LABELS = {PDF: "PDF", DOCX: "Word document (DOCX)"}
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}

# The main part of a Word document without macros; .docm files declare a different one.
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CHUNK = 64 * 1024


class UploadRejected(DomainError):
    """The file is refused: too large, empty, of a type we do not take, or could not be stored."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    content_type: str


def sniff(path: Path) -> str | None:
    """The file's real type from its bytes (PDF or DOCX), whatever its name says."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                    return None
                types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
        return DOCX if _DOCX_MAIN in types else None
    return None


def _remove(path: Path) -> None:
    # Where the folder cannot be written, nothing was written either.
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


class UploadStore:
    """Files under one folder, named by random keys: no user-supplied name touches the disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("Not an upload key")
        return self.root / key[:2] / key

    def save(self, stream: IO[bytes], *, max_bytes: int, accept: frozenset[str]) -> StoredFile:
        """Store the stream if it is a non-empty file of an accepted type within the size limit.
        Nothing is left on disk when it is refused."""
        key = secrets.token_hex(16)
        target = self.path_of(key)
        partial = target.with_suffix(".partial")
        digest = hashlib.sha256()
        size = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadRejected(
                            f"The file must be smaller than {max_bytes // (1024 * 1024)} MB"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise UploadRejected("The selected file is empty")
            content_type = sniff(partial)
            if content_type is None or content_type not in accept:
                names = " or ".join(TYPE_LABELS[t] for t in sorted(accept))
                raise UploadRejected(f"The selected file must be a {names}")
            partial.replace(target)
        except UploadRejected:
            _remove(partial)
            raise
        except OSError as exc:
            _remove(partial)
            raise UploadRejected(
                "The file could not be saved. Try again later, or contact us if it keeps happening"
            ) from exc
        return StoredFile(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type)

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)
