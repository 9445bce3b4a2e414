"""Turning what someone typed into a safe full-text query for SQLite FTS5 or PostgreSQL.

Only runs of letters and digits survive, so quotes, operators (AND, OR, NOT, NEAR, column
filters, `*`, `^`, `:`, `&`, `|`, `!`), SQL and control characters never reach the query
syntax of either database: each word is quoted and searched as a prefix."""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT = 200
MAX_WORDS = 10
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(text: str | None) -> str:
    """Printable text, single-spaced and no longer than MAX_INPUT."""
    if not text:
        return ""
    composed = unicodedata.normalize("NFC", text[: MAX_INPUT * 4])
    printable = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in composed)
    return " ".join(printable.split())[:MAX_INPUT]


def words(text: str | None) -> list[str]:
    """The searchable words, lower-cased, first MAX_WORDS distinct ones."""
    found: list[str] = []
    for word in WORD.findall(normalise(text)):
        lowered = word.lower()
        if lowered not in found:
            found.append(lowered)
        if len(found) == MAX_WORDS:
            break
    return found


def fts5_query(text: str | None) -> str | None:
    """An FTS5 MATCH expression: every word must appear, as a prefix. None: nothing to search."""
    terms = words(text)
    if not terms:
        return None
    # A word is letters and digits only, so double quotes make it a plain string token.
    return " ".join(f'"{term}"*' for term in terms)


def tsquery(text: str | None) -> str | None:
    """A PostgreSQL to_tsquery expression: every word must appear, as a prefix."""
    terms = words(text)
    if not terms:
        return None
    return " & ".join(f"'{term}':*" for term in terms)


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, with LIKE's own wildcards escaped (use
    escape='\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
