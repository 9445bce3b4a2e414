"""Reading and checking CPD requirement documents (YAML) before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, ProblemCollector

REQUIREMENTS_DIR = CONFIG_DIR / "cpd"
AREA_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
DOMAIN_CODE = re.compile(r"^[A-Z]{2,5}$")
COMPETENCY_CODE = re.compile(r"^[A-Z]{2,5}[0-9]{1,2}$")
VERSION = re.compile(r"^[0-9A-Za-z.\-]{1,32}$")


@dataclass(frozen=True)
class Area:
    """A part of the framework the records must touch at least once over the term."""

    code: str
    label: str
    domains: tuple[str, ...]
    competencies: tuple[str, ...]

    def touched_by(self, competencies: frozenset[str], domains: frozenset[str]) -> bool:
        return bool(set(self.domains) & domains or set(self.competencies) & competencies)


@dataclass(frozen=True)
class HoursRule:
    required: bool
    total: float
    participatory: float


@dataclass(frozen=True)
class RequirementDocument:
    scheme: str
    version: str
    title: str
    summary: str
    records_per_year: int
    peer_discussions_per_year: int
    areas: tuple[Area, ...]
    hours: HoursRule
    reminder_days: tuple[int, ...]
    sources: dict[str, str]
    raw: dict[str, Any] = field(compare=False, repr=False)

    @property
    def checksum(self) -> str:
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _hours(value: Any, where: str, key: str, problems: list[str]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1000:
        problems.append(f"{where}: '{key}' must be a number of hours from 0.25 to 1000")
        return 0.0
    if (value * 4) % 1:
        problems.append(f"{where}: '{key}' must be in quarter hours")
    return float(value)


def _cited(row: Any, sources: dict[str, str], where: str, problems: list[str]) -> None:
    cited = row.get("sources", []) if isinstance(row, dict) else []
    if not isinstance(cited, list):
        problems.append(f"{where}: 'sources' must be a list")
        return
    unknown = [str(s) for s in cited if s not in sources]
    if unknown:
        problems.append(f"{where}: unknown sources {', '.join(unknown)}")


def parse_requirements(document: Any) -> RequirementDocument:
    """Check a requirement document, reporting every problem at once."""
    r = ProblemCollector()
    if not isinstance(document, dict):
        raise DocumentInvalid(["a CPD requirements file must be a mapping"])
    sources: dict[str, str] = {}
    for index, row in enumerate(r.items(document, "sources", "requirements"), start=1):
        where = f"sources row {index}"
        source_id = r.text(row, "id", where)
        if source_id in sources:
            r.problems.append(f"{where}: source {source_id} appears twice")
        sources[source_id] = r.text(row, "citation", where)

    each_year = document.get("each_year")
    if not isinstance(each_year, dict):
        r.problems.append("requirements: 'each_year' must be a mapping")
        each_year = {}
    records = r.number(each_year, "records", "each_year", 0, 50)
    peers = r.number(each_year, "peer_discussion", "each_year", 0, 50)
    if peers > records:
        r.problems.append("each_year: 'peer_discussion' cannot be more than 'records'")
    _cited(each_year, sources, "each_year", r.problems)

    over_term = document.get("over_term")
    if not isinstance(over_term, dict):
        r.problems.append("requirements: 'over_term' must be a mapping")
        over_term = {}
    areas = []
    seen: set[str] = set()
    for index, row in enumerate(over_term.get("areas") or [], start=1):
        code = r.text(row, "code", f"area {index}")
        where = f"area {code or index}"
        if code and not AREA_CODE.match(code):
            r.problems.append(f"{where}: code must be lower-case letters, digits or _")
        if code in seen:
            r.problems.append(f"{where}: appears twice")
        seen.add(code)
        domains = row.get("domains", []) if isinstance(row, dict) else []
        competencies = row.get("competencies", []) if isinstance(row, dict) else []
        if not isinstance(domains, list) or not isinstance(competencies, list):
            r.problems.append(f"{where}: 'domains' and 'competencies' must be lists")
            domains, competencies = [], []
        if not domains and not competencies:
            r.problems.append(f"{where}: name at least one domain or competency")
        bad = [str(d) for d in domains if not DOMAIN_CODE.match(str(d))]
        bad += [str(c) for c in competencies if not COMPETENCY_CODE.match(str(c))]
        if bad:
            r.problems.append(f"{where}: not framework codes: {', '.join(bad)}")
        _cited(row, sources, where, r.problems)
        areas.append(
            Area(
                code=code,
                label=r.text(row, "label", where),
                domains=tuple(str(d) for d in domains),
                competencies=tuple(str(c) for c in competencies),
            )
        )

    hours_row = over_term.get("hours", {"required": False})
    if not isinstance(hours_row, dict) or not isinstance(hours_row.get("required"), bool):
        r.problems.append("over_term: 'hours' needs 'required: true' or 'required: false'")
        hours_row = {"required": False}
    hours = HoursRule(required=False, total=0.0, participatory=0.0)
    if hours_row.get("required") or "total" in hours_row:
        total = _hours(hours_row.get("total"), "hours", "total", r.problems)
        participatory_value = hours_row.get("participatory", 0)
        participatory = (
            0.0
            if participatory_value == 0
            else _hours(participatory_value, "hours", "participatory", r.problems)
        )
        if participatory > total:
            r.problems.append("hours: 'participatory' cannot be more than 'total'")
        hours = HoursRule(bool(hours_row["required"]), total, participatory)
    _cited(hours_row, sources, "hours", r.problems)

    reminders = document.get("reminders", {})
    days = reminders.get("days_before_year_end", []) if isinstance(reminders, dict) else None
    if not isinstance(days, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 366 for d in days
    ):
        r.problems.append("reminders: 'days_before_year_end' must be whole days from 1 to 366")
        days = []
    elif len(set(days)) != len(days):
        r.problems.append("reminders: a day appears twice in 'days_before_year_end'")

    result = RequirementDocument(
        scheme=r.text(document, "scheme", "requirements"),
        version=r.text(document, "version", "requirements"),
        title=r.text(document, "title", "requirements"),
        summary=r.text(document, "summary", "requirements", required=False),
        records_per_year=records,
        peer_discussions_per_year=peers,
        areas=tuple(areas),
        hours=hours,
        reminder_days=tuple(sorted(set(days), reverse=True)),
        sources=sources,
        raw=document,
    )
    if result.version and not VERSION.match(result.version):
        r.problems.append("requirements: 'version' must be letters, digits, dots or hyphens")
    r.done()
    return result


def _version_key(path: Path) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", path.stem))


def requirement_files(scheme: str, folder: Path = REQUIREMENTS_DIR) -> list[Path]:
    """A scheme's requirement versions, oldest first."""
    return sorted((folder / scheme).glob("*.yaml"), key=_version_key)
