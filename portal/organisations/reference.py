"""Reading and checking the organisations reference file before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config.settings import CONFIG_DIR

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


class ReferenceError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _text(row: dict[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: '{key}' is missing")
        return ""
    return value.strip()


def parse(document: Any) -> ReferenceData:
    """Check every row and report every problem at once; nothing is half-loaded."""
    problems: list[str] = []
    if not isinstance(document, dict):
        raise ReferenceError(["the file must be a mapping with regions, partnerships, government"])
    data = ReferenceData(version=str(document.get("version", "")))
    if not data.version:
        problems.append("'version' is missing")
    region_codes: set[str] = set()
    for index, row in enumerate(document.get("regions") or [], start=1):
        where = f"regions row {index}"
        if not isinstance(row, dict):
            problems.append(f"{where}: not a mapping")
            continue
        code, name = _text(row, "code", where, problems), _text(row, "name", where, problems)
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
            code, name = _text(row, "code", where, problems), _text(row, "name", where, problems)
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
    if problems:
        raise ReferenceError(problems)
    return data


def read(path: Path = DEFAULT_PATH) -> ReferenceData:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceError([f"cannot read {path.name}: {exc}"]) from exc
    return parse(document)
