"""Reading and checking scheme and framework documents (YAML) before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, ProblemCollector

SCHEMES_DIR = CONFIG_DIR / "schemes"
FRAMEWORKS_DIR = CONFIG_DIR / "frameworks"
SCHEME_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
DOMAIN_CODE = re.compile(r"^[A-Z]{2,5}$")
COMPETENCY_CODE = re.compile(r"^[A-Z]{2,5}[0-9]{1,2}$")
LEVEL_CODE = re.compile(r"^[a-z][a-z_]{1,31}$")


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    description: str


@dataclass(frozen=True)
class SchemeDocument:
    code: str
    name: str
    description: str
    framework: str
    number_prefix: str
    term_years: int
    renewal_window_months: int
    appeal_window_days: int
    assessment_due_working_days: int
    levels: tuple[Level, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)


@dataclass(frozen=True)
class ScaleLevel:
    score: int
    label: str
    descriptor: str


@dataclass(frozen=True)
class CompetencyDocument:
    code: str
    domain: str
    title: str
    statement: str
    evidence: tuple[str, ...]
    descriptors: dict[int, str]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DomainDocument:
    code: str
    title: str
    purpose: str
    competencies: tuple[CompetencyDocument, ...]


@dataclass(frozen=True)
class FrameworkDocument:
    scheme: str
    version: str
    title: str
    summary: str
    scale: tuple[ScaleLevel, ...]
    sources: dict[str, str]
    domains: tuple[DomainDocument, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)

    @property
    def competencies(self) -> list[CompetencyDocument]:
        return [c for d in self.domains for c in d.competencies]

    @property
    def checksum(self) -> str:
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def parse_scheme(document: Any) -> SchemeDocument:
    r = ProblemCollector()
    if not isinstance(document, dict):
        raise DocumentInvalid(["a scheme file must be a mapping"])
    code = r.text(document, "code", "scheme")
    if code and not SCHEME_CODE.match(code):
        r.problems.append(f"scheme: code {code!r} must be lower-case letters, digits or _")
    levels = []
    seen: set[str] = set()
    for index, row in enumerate(r.items(document, "levels", "scheme"), start=1):
        where = f"levels row {index}"
        level_code = r.text(row, "code", where)
        if level_code and not LEVEL_CODE.match(level_code):
            r.problems.append(f"{where}: code {level_code!r} must be lower-case letters or _")
        if level_code in seen:
            r.problems.append(f"{where}: level {level_code} appears twice")
        seen.add(level_code)
        levels.append(
            Level(level_code, r.text(row, "name", where), r.text(row, "description", where))
        )
    prefix = r.text(document, "accreditation_number_prefix", "scheme")
    if prefix and not re.fullmatch(r"[A-Z]{2,8}", prefix):
        r.problems.append("scheme: 'accreditation_number_prefix' must be 2 to 8 capital letters")
    scheme = SchemeDocument(
        code=code,
        name=r.text(document, "name", "scheme"),
        description=r.text(document, "description", "scheme"),
        framework=r.text(document, "framework", "scheme"),
        number_prefix=prefix,
        term_years=r.number(document, "accreditation_term_years", "scheme", 1, 10),
        renewal_window_months=r.number(document, "renewal_window_months", "scheme", 1, 24),
        appeal_window_days=r.number(document, "appeal_window_days", "scheme", 1, 365),
        assessment_due_working_days=r.number(
            document, "assessment_due_working_days", "scheme", 1, 60
        ),
        levels=tuple(levels),
        raw=document,
    )
    r.done()
    return scheme


def parse_framework(document: Any) -> FrameworkDocument:
    r = ProblemCollector()
    if not isinstance(document, dict):
        raise DocumentInvalid(["a framework file must be a mapping"])
    scale = []
    for index, row in enumerate(r.items(document, "scale", "framework"), start=1):
        where = f"scale row {index}"
        score = row.get("score") if isinstance(row, dict) else None
        if score != index:
            r.problems.append(f"{where}: scores must run 1, 2, 3 ... in order (found {score!r})")
        scale.append(
            ScaleLevel(index, r.text(row, "label", where), r.text(row, "descriptor", where))
        )
    if 0 < len(scale) < 3:
        r.problems.append("framework: the scale needs at least 3 levels")
    scores = {level.score for level in scale}
    sources: dict[str, str] = {}
    for index, row in enumerate(r.items(document, "sources", "framework"), start=1):
        where = f"sources row {index}"
        source_id = r.text(row, "id", where)
        if source_id in sources:
            r.problems.append(f"{where}: source {source_id} appears twice")
        sources[source_id] = r.text(row, "citation", where)
    domains = []
    domain_codes: set[str] = set()
    competency_codes: set[str] = set()
    for d_index, d_row in enumerate(r.items(document, "domains", "framework"), start=1):
        d_where = f"domain {d_index}"
        d_code = r.text(d_row, "code", d_where)
        if d_code and not DOMAIN_CODE.match(d_code):
            r.problems.append(f"{d_where}: code {d_code!r} must be 2 to 5 capital letters")
        if d_code in domain_codes:
            r.problems.append(f"{d_where}: domain {d_code} appears twice")
        domain_codes.add(d_code)
        d_where = f"domain {d_code or d_index}"
        competencies = []
        for c_index, c_row in enumerate(r.items(d_row, "competencies", d_where), start=1):
            c_code = r.text(c_row, "code", f"{d_where} competency {c_index}")
            c_where = f"competency {c_code or c_index} in {d_where}"
            if c_code and not (COMPETENCY_CODE.match(c_code) and c_code.startswith(d_code)):
                r.problems.append(f"{c_where}: code must be the domain code and a number")
            if c_code in competency_codes:
                r.problems.append(f"{c_where}: competency {c_code} appears twice")
            competency_codes.add(c_code)
            raw_descriptors = c_row.get("descriptors") if isinstance(c_row, dict) else None
            descriptors: dict[int, str] = {}
            if (
                not isinstance(raw_descriptors, dict)
                or {int(k) for k in raw_descriptors if str(k).isdigit()} != scores
            ):
                r.problems.append(f"{c_where}: give one descriptor for each score of the scale")
            else:
                for key, value in raw_descriptors.items():
                    if not isinstance(value, str) or not value.strip():
                        r.problems.append(f"{c_where}: descriptor {key} is empty")
                    descriptors[int(key)] = " ".join(str(value).split())
            evidence = [" ".join(str(e).split()) for e in r.items(c_row, "evidence", c_where)]
            cited = c_row.get("sources", []) if isinstance(c_row, dict) else []
            unknown = [s for s in cited if s not in sources]
            if unknown:
                r.problems.append(f"{c_where}: unknown sources {', '.join(map(str, unknown))}")
            competencies.append(
                CompetencyDocument(
                    code=c_code,
                    domain=d_code,
                    title=r.text(c_row, "title", c_where),
                    statement=r.text(c_row, "statement", c_where),
                    evidence=tuple(evidence),
                    descriptors=dict(sorted(descriptors.items())),
                    sources=tuple(str(s) for s in cited),
                )
            )
        domains.append(
            DomainDocument(
                code=d_code,
                title=r.text(d_row, "title", d_where),
                purpose=r.text(d_row, "purpose", d_where, required=False),
                competencies=tuple(competencies),
            )
        )
    framework = FrameworkDocument(
        scheme=r.text(document, "scheme", "framework"),
        version=r.text(document, "version", "framework"),
        title=r.text(document, "title", "framework"),
        summary=r.text(document, "summary", "framework", required=False),
        scale=tuple(scale),
        sources=sources,
        domains=tuple(domains),
        raw=document,
    )
    if framework.version and not re.fullmatch(r"[0-9A-Za-z.\-]{1,32}", framework.version):
        r.problems.append("framework: 'version' must be letters, digits, dots or hyphens")
    r.done()
    return framework


def scheme_files(folder: Path = SCHEMES_DIR) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def _version_key(path: Path) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", path.stem))


def framework_files(framework: str, folder: Path = FRAMEWORKS_DIR) -> list[Path]:
    """A framework's version files, oldest first (2026.1 before 2026.2 before 2026.10)."""
    return sorted((folder / framework).glob("*.yaml"), key=_version_key)
