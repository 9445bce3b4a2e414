"""Reading and checking QA rubric documents (YAML) before anything is written."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, ProblemCollector
from portal.framework.schema import framework_files

RUBRIC_DIR = CONFIG_DIR / "peer_qa"
RUBRIC_FOLDER = "rubric"
MARKER_CODE = re.compile(r"^[RP][0-9]{2}$")
RESPONSIBILITIES = {"reviewer": "R", "partnership": "P"}
CONFIDENCE_CODES = ("low", "medium", "high")


@dataclass(frozen=True)
class Level:
    level: int
    label: str
    descriptor: str


@dataclass(frozen=True)
class MarkerDocument:
    code: str
    responsibility: str
    title: str
    statement: str
    guidance: str
    descriptors: dict[int, str]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RubricDocument:
    version: str
    title: str
    summary: str
    scale: tuple[Level, ...]
    overall: tuple[Level, ...]
    pass_from: int
    confidence: dict[str, str]
    sources: dict[str, str]
    markers: tuple[MarkerDocument, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)

    @property
    def checksum(self) -> str:
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def of(self, responsibility: str) -> list[MarkerDocument]:
        return [m for m in self.markers if m.responsibility == responsibility]


def _scale(r: ProblemCollector, rows: list[Any], where: str) -> tuple[Level, ...]:
    levels = []
    for index, row in enumerate(rows, start=1):
        row_where = f"{where} row {index}"
        level = row.get("level") if isinstance(row, dict) else None
        if level != index:
            r.problems.append(
                f"{row_where}: levels must run 1, 2, 3 ... in order (found {level!r})"
            )
        levels.append(
            Level(index, r.text(row, "label", row_where), r.text(row, "descriptor", row_where))
        )
    if 0 < len(levels) < 3:
        r.problems.append(f"{where}: a scale needs at least 3 levels")
    return tuple(levels)


def parse_rubric(document: Any) -> RubricDocument:
    """A rubric document, or DocumentInvalid listing every problem found."""
    r = ProblemCollector()
    if not isinstance(document, dict):
        raise DocumentInvalid(["a rubric file must be a mapping"])
    version = r.text(document, "version", "rubric")
    if version and not re.fullmatch(r"[0-9A-Za-z.\-]{1,32}", version):
        r.problems.append("rubric: 'version' must be letters, digits, dots or hyphens")
    scale = _scale(r, r.items(document, "scale", "rubric"), "scale")
    levels = {level.level for level in scale}
    overall_doc = document.get("overall")
    if not isinstance(overall_doc, dict):
        r.problems.append("rubric: 'overall' must give the overall grade's scale and pass_from")
        overall_doc = {}
    overall = _scale(r, r.items(overall_doc, "scale", "overall"), "overall scale")
    pass_from = overall_doc.get("pass_from")
    if overall and (
        not isinstance(pass_from, int)
        or isinstance(pass_from, bool)
        or not 1 <= pass_from <= len(overall)
    ):
        r.problems.append(f"overall: 'pass_from' must be a grade from 1 to {len(overall)}")
        pass_from = len(overall)
    confidence: dict[str, str] = {}
    for index, row in enumerate(r.items(document, "confidence", "rubric"), start=1):
        code = r.text(row, "code", f"confidence row {index}")
        if code in confidence:
            r.problems.append(f"confidence row {index}: {code} appears twice")
        confidence[code] = r.text(row, "label", f"confidence row {index}")
    if confidence and tuple(confidence) != CONFIDENCE_CODES:
        r.problems.append("confidence: the codes must be low, medium and high, in that order")
    sources: dict[str, str] = {}
    for index, row in enumerate(r.items(document, "sources", "rubric"), start=1):
        source_id = r.text(row, "id", f"sources row {index}")
        if source_id in sources:
            r.problems.append(f"sources row {index}: source {source_id} appears twice")
        sources[source_id] = r.text(row, "citation", f"sources row {index}")
    markers = []
    codes: set[str] = set()
    for index, row in enumerate(r.items(document, "markers", "rubric"), start=1):
        code = r.text(row, "code", f"marker {index}")
        where = f"marker {code or index}"
        if code and not MARKER_CODE.match(code):
            r.problems.append(f"{where}: code must be R or P and two digits (R01, P02)")
        if code in codes:
            r.problems.append(f"{where}: marker {code} appears twice")
        codes.add(code)
        responsibility = r.text(row, "responsibility", where)
        if responsibility and responsibility not in RESPONSIBILITIES:
            r.problems.append(f"{where}: responsibility must be 'reviewer' or 'partnership'")
        elif (
            responsibility
            and MARKER_CODE.match(code)
            and not code.startswith(RESPONSIBILITIES[responsibility])
        ):
            r.problems.append(
                f"{where}: a {responsibility} marker's code starts with "
                f"{RESPONSIBILITIES[responsibility]}"
            )
        raw = row.get("descriptors") if isinstance(row, dict) else None
        descriptors: dict[int, str] = {}
        if not isinstance(raw, dict) or {int(k) for k in raw if str(k).isdigit()} != levels:
            r.problems.append(f"{where}: give one descriptor for each level of the scale")
        else:
            for key, value in raw.items():
                if not isinstance(value, str) or not value.strip():
                    r.problems.append(f"{where}: descriptor {key} is empty")
                descriptors[int(key)] = " ".join(str(value).split())
        cited = row.get("sources", []) if isinstance(row, dict) else []
        if not isinstance(cited, list):
            cited = []
            r.problems.append(f"{where}: 'sources' must be a list")
        unknown = [s for s in cited if s not in sources]
        if unknown:
            r.problems.append(f"{where}: unknown sources {', '.join(map(str, unknown))}")
        markers.append(
            MarkerDocument(
                code=code,
                responsibility=responsibility,
                title=r.text(row, "title", where),
                statement=r.text(row, "statement", where),
                guidance=r.text(row, "guidance", where),
                descriptors=dict(sorted(descriptors.items())),
                sources=tuple(str(s) for s in cited),
            )
        )
    for responsibility in RESPONSIBILITIES:
        if markers and not any(m.responsibility == responsibility for m in markers):
            r.problems.append(f"rubric: there must be at least one {responsibility} marker")
    rubric = RubricDocument(
        version=version,
        title=r.text(document, "title", "rubric"),
        summary=r.text(document, "summary", "rubric", required=False),
        scale=scale,
        overall=overall,
        pass_from=int(pass_from) if isinstance(pass_from, int) else 0,
        confidence=confidence,
        sources=sources,
        markers=tuple(markers),
        raw=document,
    )
    r.done()
    return rubric


def rubric_files(folder: Path = RUBRIC_DIR) -> list[Path]:
    """The rubric's version files, oldest first (2026.1 before 2026.2 before 2026.10)."""
    return framework_files(RUBRIC_FOLDER, folder)
