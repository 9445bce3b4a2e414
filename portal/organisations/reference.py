"""Reading and checking the organisations reference file before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, ProblemCollector, read_yaml

DEFAULT_PATH = CONFIG_DIR / "reference" / "organisations.yaml"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    position: int


@dataclass(frozen=True)
class OrganisationRow:
    code: str
    name: str
    kind: str
    region: str | None


@dataclass
class ReferenceData:
    version: str
    regions: list[RegionRow] = field(default_factory=list)
    organisations: list[OrganisationRow] = field(default_factory=list)


def parse(document: Any) -> ReferenceData:
    """Check every row and report every problem at once; nothing is half-loaded."""
    r = ProblemCollector()
    problems = r.problems
    if not isinstance(document, dict):
        raise DocumentInvalid(["the file must be a mapping with regions, partnerships, government"])
    data = ReferenceData(version=str(document.get("version", "")))
    if not data.version:
        problems.append("'version' is missing")
    region_codes: set[str] = set()
    for index, row in enumerate(document.get("regions") or [], start=1):
        where = f"regions row {index}"
        if not isinstance(row, dict):
            problems.append(f"{where}: not a mapping")
            continue
        code, name = r.text(row, "code", where), r.text(row, "name", where)
        if code in region_codes:
            problems.append(f"{where}: region code {code} appears twice")
        region_codes.add(code)
        data.regions.append(RegionRow(code=code, name=name, position=index))
    if not data.regions:
        problems.append("no regions")
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    for kind, key in (("partnership", "partnerships"), ("government", "government")):
        for index, row in enumerate(document.get(key) or [], start=1):
            where = f"{key} row {index}"
            if not isinstance(row, dict):
                problems.append(f"{where}: not a mapping")
                continue
            code, name = r.text(row, "code", where), r.text(row, "name", where)
            if code and not CODE.match(code):
                problems.append(f"{where}: code {code!r} must be lower-case letters, digits, -")
            if code in seen_codes:
                problems.append(f"{where}: code {code} appears twice")
            if name.lower() in seen_names:
                problems.append(f"{where}: name {name!r} appears twice")
            seen_codes.add(code)
            seen_names.add(name.lower())
            region = row.get("region")
            if kind == "partnership" and region not in region_codes:
                problems.append(f"{where}: region {region!r} is not one of the regions")
            data.organisations.append(
                OrganisationRow(
                    code=code, name=name, kind=kind, region=str(region) if region else None
                )
            )
    r.done()
    return data


def read(path: Path = DEFAULT_PATH) -> ReferenceData:
    return parse(read_yaml(path))
