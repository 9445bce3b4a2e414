"""Reading and checking the organisations reference files before anything is written: regions,
partnerships and government bodies, and each partnership's statutory partners (its local
authority, integrated care board and police force)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, ProblemCollector, read_yaml

DEFAULT_PATH = CONFIG_DIR / "reference" / "organisations.yaml"
AGENCIES_PATH = CONFIG_DIR / "reference" / "agencies.yaml"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# The statutory partners' sections of the agencies file: (kind, key, in words).
STATUTORY_SECTIONS = (
    ("local_authority", "local_authorities", "local authority"),
    ("icb", "integrated_care_boards", "integrated care board"),
    ("police_force", "police_forces", "police force"),
)


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
    # For an agency: the codes of the partnerships it is a statutory partner of.
    partnerships: tuple[str, ...] = ()


@dataclass
class ReferenceData:
    version: str
    regions: list[RegionRow] = field(default_factory=list)
    organisations: list[OrganisationRow] = field(default_factory=list)

    @property
    def agencies(self) -> list[OrganisationRow]:
        return [row for row in self.organisations if row.partnerships]


def parse(document: Any, agencies: Any = None) -> ReferenceData:
    """Check every row and report every problem at once; nothing is half-loaded. The statutory
    partners come from `agencies` if given, else from the same document; every partnership
    must have at least one of each."""
    r = ProblemCollector()
    problems = r.problems
    if not isinstance(document, dict):
        raise DocumentInvalid(["the file must be a mapping with regions, partnerships, government"])
    if agencies is None:
        agencies = document
    elif not isinstance(agencies, dict):
        raise DocumentInvalid(
            [
                "the agencies file must be a mapping with "
                + ", ".join(key for _k, key, _w in STATUTORY_SECTIONS)
            ]
        )
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

    def identity(row: dict[str, Any], where: str) -> tuple[str, str]:
        code, name = r.text(row, "code", where), r.text(row, "name", where)
        if code and not CODE.match(code):
            problems.append(f"{where}: code {code!r} must be lower-case letters, digits, -")
        if code and code in seen_codes:
            problems.append(f"{where}: code {code} appears twice")
        if name and name.lower() in seen_names:
            problems.append(f"{where}: name {name!r} appears twice")
        seen_codes.add(code)
        seen_names.add(name.lower())
        return code, name

    partnership_regions: dict[str, str | None] = {}
    partnership_rows: dict[str, str] = {}
    for kind, key in (("partnership", "partnerships"), ("government", "government")):
        for index, row in enumerate(document.get(key) or [], start=1):
            where = f"{key} row {index}"
            if not isinstance(row, dict):
                problems.append(f"{where}: not a mapping")
                continue
            code, name = identity(row, where)
            region = row.get("region")
            if kind == "partnership":
                if region not in region_codes:
                    problems.append(f"{where}: region {region!r} is not one of the regions")
                partnership_regions[code] = str(region) if region else None
                partnership_rows[code] = f"{where} ({code})"
            data.organisations.append(
                OrganisationRow(
                    code=code, name=name, kind=kind, region=str(region) if region else None
                )
            )

    partners: dict[str, set[str]] = {code: set() for code in partnership_regions}
    for kind, key, _words in STATUTORY_SECTIONS:
        for index, row in enumerate(agencies.get(key) or [], start=1):
            where = f"{key} row {index}"
            if not isinstance(row, dict):
                problems.append(f"{where}: not a mapping")
                continue
            code, name = identity(row, where)
            served: list[str] = []
            for item in r.items(row, "partnerships", where):
                partnership = str(item)
                if partnership not in partnership_regions:
                    problems.append(
                        f"{where}: partnership {partnership!r} is not one of the partnerships"
                    )
                elif partnership in served:
                    problems.append(f"{where}: partnership {partnership} appears twice")
                else:
                    served.append(partnership)
                    partners[partnership].add(kind)
            # An agency sits in a region when every partnership it serves does.
            regions = {partnership_regions[p] for p in served}
            data.organisations.append(
                OrganisationRow(
                    code=code,
                    name=name,
                    kind=kind,
                    region=regions.pop() if len(regions) == 1 else None,
                    partnerships=tuple(served),
                )
            )
    for partnership, kinds in partners.items():
        missing = [words for kind, _key, words in STATUTORY_SECTIONS if kind not in kinds]
        if missing:
            problems.append(
                f"{partnership_rows[partnership]}: no {' and no '.join(missing)} among its "
                "statutory partners"
            )
    r.done()
    return data


def read(path: Path = DEFAULT_PATH, agencies_path: Path | None = None) -> ReferenceData:
    """The reference file and its agencies: from `agencies_path` if given, else from the file
    itself if it lists them, else the shipped agencies file."""
    document = read_yaml(path)
    if agencies_path is None and isinstance(document, dict):
        if any(key in document for _kind, key, _words in STATUTORY_SECTIONS):
            return parse(document)
        agencies_path = AGENCIES_PATH
    return parse(document, read_yaml(agencies_path) if agencies_path else None)
