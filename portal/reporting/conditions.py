"""Reading and checking the taxonomy of system conditions (YAML in config/reporting) before
anything is written. Pure: no Flask, no database."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, ProblemCollector, read_yaml

CONDITIONS_DIR = CONFIG_DIR / "reporting" / "system-conditions"
CODE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
VERSION = re.compile(r"^[0-9A-Za-z.\-]{1,32}$")
MAX_LABEL = 120
MAX_DESCRIPTION = 1000


@dataclass(frozen=True)
class Condition:
    code: str
    label: str
    description: str


@dataclass(frozen=True)
class ConditionsDocument:
    version: str
    title: str
    conditions: tuple[Condition, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)

    @property
    def checksum(self) -> str:
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def parse_conditions(document: Any) -> ConditionsDocument:
    """Check a taxonomy and report every problem at once: a version, a title, and conditions
    each with a unique code (lower case, digits, hyphens), a unique label and a description."""
    r = ProblemCollector()
    if not isinstance(document, dict):
        raise DocumentInvalid(["the file must be a mapping with version, title and conditions"])
    version = r.text(document, "version", "the file")
    if version and not VERSION.match(version):
        r.problems.append(f"the file: version {version!r} may use letters, digits, '.' and '-'")
    title = r.text(document, "title", "the file")
    conditions: list[Condition] = []
    codes: set[str] = set()
    labels: set[str] = set()
    for index, row in enumerate(r.items(document, "conditions", "the file"), start=1):
        where = f"condition {index}"
        if not isinstance(row, dict):
            r.problems.append(f"{where}: not a mapping")
            continue
        code = r.text(row, "code", where)
        label = r.text(row, "label", where)
        description = r.text(row, "description", where)
        if code and not CODE.match(code):
            r.problems.append(
                f"{where}: code {code!r} must be lower-case letters, digits and hyphens"
            )
        if code in codes:
            r.problems.append(f"{where}: code {code} appears twice")
        if label and label.lower() in labels:
            r.problems.append(f"{where}: label {label!r} appears twice")
        if len(label) > MAX_LABEL:
            r.problems.append(f"{where}: the label is longer than {MAX_LABEL} characters")
        if len(description) > MAX_DESCRIPTION:
            r.problems.append(
                f"{where}: the description is longer than {MAX_DESCRIPTION} characters"
            )
        unknown = sorted(set(row) - {"code", "label", "description"})
        if unknown:
            r.problems.append(f"{where}: unknown keys {', '.join(unknown)}")
        codes.add(code)
        labels.add(label.lower())
        conditions.append(Condition(code, label, description))
    r.done()
    return ConditionsDocument(version, title, tuple(conditions), raw=document)


def read_conditions(path: Path) -> ConditionsDocument:
    return parse_conditions(read_yaml(path))


def condition_files(directory: Path = CONDITIONS_DIR) -> list[Path]:
    """The shipped versions, oldest first (their names are their versions)."""
    return sorted(directory.glob("*.yaml"))
