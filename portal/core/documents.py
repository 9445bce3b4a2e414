"""Reading configuration documents (YAML) so that every problem is reported at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class DocumentInvalid(ValueError):
    """Every problem found in a document, so an author can fix them all in one go."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class ProblemCollector:
    """Reads fields from a parsed document, noting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def text(self, row: Any, key: str, where: str, *, required: bool = True) -> str:
        value = row.get(key) if isinstance(row, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            if required:
                self.problems.append(f"{where}: '{key}' is missing")
            return ""
        return " ".join(value.split())

    def number(self, row: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
        value = row.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.problems.append(f"{where}: '{key}' must be a whole number from {low} to {high}")
            return low
        return value

    def items(self, row: Any, key: str, where: str, *, required: bool = True) -> list[Any]:
        value = row.get(key) if isinstance(row, dict) else None
        if not isinstance(value, list) or not value:
            if required:
                self.problems.append(f"{where}: '{key}' must be a non-empty list")
            return []
        return value

    def done(self) -> None:
        if self.problems:
            raise DocumentInvalid(self.problems)


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DocumentInvalid([f"cannot read {path.name}: {exc}"]) from exc
