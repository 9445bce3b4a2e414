"""Bitstring status lists (W3C Bitstring Status List v1.0): a GZIP-compressed bitstring,
multibase base64url-encoded, whose bit at a credential's index says if the status applies."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

# The specification's minimum, for herd privacy: 16 KB of bits.
SIZE = 131_072


def encode(indexes: Iterable[int], *, size: int = SIZE) -> str:
    """The encoded list with the bit at each of `indexes` set (index 0 is the first byte's
    most significant bit)."""
    bits = bytearray(size // 8)
    for index in indexes:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("the list is not multibase base64url")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
