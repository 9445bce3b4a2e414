"""Small framework and scheme documents for tests (invented; the shipped ones are in config/)."""

from __future__ import annotations

import copy
from typing import Any

SCALE = [
    {"score": 1, "label": "Not yet evidenced", "descriptor": "No evidence yet."},
    {"score": 2, "label": "Developing", "descriptor": "Some evidence, with support."},
    {"score": 3, "label": "Accredited standard", "descriptor": "Consistent evidence."},
    {"score": 4, "label": "Advanced", "descriptor": "Could teach others."},
]


def competency(code: str, title: str | None = None) -> dict[str, Any]:
    return {
        "code": code,
        "title": title or f"Competency {code}",
        "statement": f"The reviewer does {code} well.",
        "evidence": [f"A piece of work showing {code}", "A reference"],
        "descriptors": {n: f"{code} at level {n}." for n in range(1, 5)},
        "sources": ["src-a"],
    }


def scheme_document(code: str = "tst", **changes: Any) -> dict[str, Any]:
    document = {
        "code": code,
        "name": f"Test scheme {code}",
        "description": "A scheme that exists only in tests.",
        "framework": code,
        "accreditation_number_prefix": code.upper()[:8],
        "accreditation_term_years": 3,
        "renewal_window_months": 6,
        "appeal_window_days": 28,
        "assessment_due_working_days": 10,
        "levels": [
            {"code": "provisional", "name": "Provisional", "description": "Supervised."},
            {"code": "reviewer", "name": "Reviewer", "description": "Leads reviews."},
            {"code": "lead_reviewer", "name": "Lead reviewer", "description": "Leads others."},
        ],
    }
    document.update(changes)
    return document


def framework_document(scheme: str = "tst", version: str = "1.0", **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "scheme": scheme,
        "version": version,
        "title": "Test framework",
        "summary": "For tests.",
        "scale": copy.deepcopy(SCALE),
        "sources": [{"id": "src-a", "citation": "Invented (2026) A source"}],
        "domains": [
            {
                "code": "AB",
                "title": "Domain AB",
                "purpose": "Why AB.",
                "competencies": [competency("AB1"), competency("AB2")],
            },
            {
                "code": "CD",
                "title": "Domain CD",
                "purpose": "Why CD.",
                "competencies": [competency("CD1")],
            },
        ],
    }
    document.update(changes)
    return document
