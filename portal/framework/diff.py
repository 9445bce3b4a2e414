"""What changed between two versions of a framework, competency by competency."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.framework.schema import CompetencyDocument, FrameworkDocument


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class CompetencyChange:
    code: str
    title: str
    changes: tuple[FieldChange, ...]


@dataclass
class FrameworkDiff:
    added: list[CompetencyDocument] = field(default_factory=list)
    removed: list[CompetencyDocument] = field(default_factory=list)
    changed: list[CompetencyChange] = field(default_factory=list)
    domains_added: list[str] = field(default_factory=list)
    domains_removed: list[str] = field(default_factory=list)
    domains_renamed: list[FieldChange] = field(default_factory=list)
    scale_changes: list[FieldChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.changed,
                self.domains_added,
                self.domains_removed,
                self.domains_renamed,
                self.scale_changes,
            )
        )


def _competency_changes(old: CompetencyDocument, new: CompetencyDocument) -> list[FieldChange]:
    changes = []
    for name, label in (("title", "Title"), ("statement", "Statement"), ("domain", "Domain")):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes.append(FieldChange(label, before, after))
    if old.evidence != new.evidence:
        changes.append(FieldChange("Evidence", "; ".join(old.evidence), "; ".join(new.evidence)))
    for score in sorted(set(old.descriptors) | set(new.descriptors)):
        before, after = old.descriptors.get(score, ""), new.descriptors.get(score, "")
        if before != after:
            changes.append(FieldChange(f"Level {score} descriptor", before, after))
    return changes


def diff_frameworks(old: FrameworkDocument | None, new: FrameworkDocument) -> FrameworkDiff:
    """Compare by competency and domain code; with no old version everything is added."""
    result = FrameworkDiff()
    if old is None:
        result.added = new.competencies
        result.domains_added = [d.code for d in new.domains]
        return result
    before = {c.code: c for c in old.competencies}
    after = {c.code: c for c in new.competencies}
    result.added = [c for code, c in after.items() if code not in before]
    result.removed = [c for code, c in before.items() if code not in after]
    for code in after.keys() & before.keys():
        changes = _competency_changes(before[code], after[code])
        if changes:
            result.changed.append(CompetencyChange(code, after[code].title, tuple(changes)))
    order = {c.code: position for position, c in enumerate(new.competencies)}
    result.changed.sort(key=lambda change: order[change.code])
    old_domains = {d.code: d for d in old.domains}
    new_domains = {d.code: d for d in new.domains}
    result.domains_added = [code for code in new_domains if code not in old_domains]
    result.domains_removed = [code for code in old_domains if code not in new_domains]
    result.domains_renamed = [
        FieldChange(code, old_domains[code].title, new_domains[code].title)
        for code in new_domains
        if code in old_domains and old_domains[code].title != new_domains[code].title
    ]
    old_scale = {s.score: s.label for s in old.scale}
    new_scale = {s.score: s.label for s in new.scale}
    result.scale_changes = [
        FieldChange(f"Score {score}", old_scale.get(score, ""), new_scale.get(score, ""))
        for score in sorted(set(old_scale) | set(new_scale))
        if old_scale.get(score) != new_scale.get(score)
    ]
    return result
