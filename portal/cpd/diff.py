"""What changed between two versions of the CPD requirements, rule by rule."""

from __future__ import annotations

from dataclasses import dataclass

from portal.cpd.schema import RequirementDocument


@dataclass(frozen=True)
class RuleChange:
    rule: str
    before: str
    after: str


def describe(document: RequirementDocument) -> dict[str, str]:
    """Each rule of a version in words, keyed by what it is about."""
    rules = {
        "Completed records each year": str(document.records_per_year),
        "Records with a peer discussion each year": str(document.peer_discussions_per_year),
    }
    for area in document.areas:
        codes = ", ".join((*area.domains, *area.competencies))
        rules[f"Area over the term: {area.label}"] = f"touched at least once ({codes})"
    hours = document.hours
    rules["Minimum hours over the term"] = (
        f"{hours.total:g} hours, of which {hours.participatory:g} participatory"
        if hours.required
        else "not required"
    )
    rules["Reminders before the year ends"] = (
        ", ".join(f"{d} days" for d in document.reminder_days) or "none"
    )
    return rules


def diff_requirements(
    old: RequirementDocument | None, new: RequirementDocument
) -> list[RuleChange]:
    """Every rule added, removed or changed; with no old version every rule is new."""
    before = describe(old) if old else {}
    after = describe(new)
    return [
        RuleChange(rule, before.get(rule, ""), after.get(rule, ""))
        for rule in [*after, *(r for r in before if r not in after)]
        if before.get(rule) != after.get(rule)
    ]
