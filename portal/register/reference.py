"""Reading and checking the register's reference lists: specialisms, methodologies, languages,
day rate bands and travel. Entries store the codes; the names come from here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, ProblemCollector, read_yaml

DEFAULT_PATH = CONFIG_DIR / "reference" / "register.yaml"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
LISTS = ("specialisms", "methodologies", "languages", "day_rate_bands", "travel")


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    retired: bool = False


@dataclass(frozen=True)
class TermList:
    terms: tuple[Term, ...]

    def choices(self) -> list[tuple[str, str]]:
        """What a person may choose now: retired terms are kept for old entries only."""
        return [(t.code, t.name) for t in self.terms if not t.retired]

    def name_of(self, code: str) -> str:
        return next((t.name for t in self.terms if t.code == code), code)

    def names_of(self, codes: list[str] | tuple[str, ...]) -> list[str]:
        order = {t.code: i for i, t in enumerate(self.terms)}
        return [self.name_of(c) for c in sorted(codes, key=lambda c: order.get(c, len(order)))]

    def codes(self) -> frozenset[str]:
        return frozenset(t.code for t in self.terms if not t.retired)


@dataclass
class RegisterReference:
    version: str
    lists: dict[str, TermList] = field(default_factory=dict)

    @property
    def specialisms(self) -> TermList:
        return self.lists["specialisms"]

    @property
    def methodologies(self) -> TermList:
        return self.lists["methodologies"]

    @property
    def languages(self) -> TermList:
        return self.lists["languages"]

    @property
    def day_rate_bands(self) -> TermList:
        return self.lists["day_rate_bands"]

    @property
    def travel(self) -> TermList:
        return self.lists["travel"]


def parse(document: Any) -> RegisterReference:
    """Check every list and report every problem at once."""
    r = ProblemCollector()
    if not isinstance(document, dict):
        raise DocumentInvalid([f"the file must be a mapping with {', '.join(LISTS)}"])
    data = RegisterReference(version=r.text(document, "version", "the file"))
    for key in LISTS:
        terms: list[Term] = []
        seen_codes: set[str] = set()
        seen_names: set[str] = set()
        for index, row in enumerate(r.items(document, key, "the file"), start=1):
            where = f"{key} row {index}"
            if not isinstance(row, dict):
                r.problems.append(f"{where}: not a mapping")
                continue
            code, name = r.text(row, "code", where), r.text(row, "name", where)
            if code and not CODE.match(code):
                r.problems.append(f"{where}: code {code!r} must be lower-case letters, digits, -")
            if code in seen_codes:
                r.problems.append(f"{where}: code {code} appears twice")
            if name.lower() in seen_names:
                r.problems.append(f"{where}: name {name!r} appears twice")
            retired = row.get("retired", False)
            if not isinstance(retired, bool):
                r.problems.append(f"{where}: 'retired' must be true or false")
                retired = False
            seen_codes.add(code)
            seen_names.add(name.lower())
            terms.append(Term(code=code, name=name, retired=retired))
        data.lists[key] = TermList(tuple(terms))
    r.done()
    return data


def read(path: Path = DEFAULT_PATH) -> RegisterReference:
    return parse(read_yaml(path))


@cache
def current() -> RegisterReference:
    """The reference file the service runs with, read once per process."""
    return read()
