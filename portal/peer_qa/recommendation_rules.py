"""The rules that analyse review recommendations and reports: versioned YAML in
config/peer_qa/recommendation-rules, checked so that every problem is reported at once.

A rule is a *signal*: either plain words (matched as whole words, any case, `*` at the end of a
word matching any ending, a space or hyphen matching a space, a hyphen or nothing) or a regular
expression, with a weight. Families that choose one option (class, target level, strength) add
up the weights of the signals that match each option; the flags (admonishment, owner named,
measurable) are raised when their matched weights reach a threshold. Nothing else decides, so
the page and the command can show exactly which words and patterns led to each result.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, ProblemCollector, read_yaml

RULES_DIR = CONFIG_DIR / "peer_qa" / "recommendation-rules"

CLASSES = ("training", "procedure", "system", "national")
TARGET_LEVELS = ("practitioner", "team", "agency", "partnership", "national")
STRENGTHS = ("weak", "medium", "strong")
VERSION = re.compile(r"^[0-9A-Za-z.\-]{1,32}$")
MAX_WEIGHT = 10
# Written by people for people: a signal longer than this is a mistake, not a rule.
MAX_PATTERN_LENGTH = 500
BODY_PLACEHOLDER = "{body}"


@dataclass(frozen=True)
class Signal:
    """One word list entry or pattern, with the weight it adds when it matches."""

    term: str  # as written in the rules: the word, or the pattern's note (or the pattern)
    regex: re.Pattern[str]
    weight: int

    def first_match(self, text: str) -> str | None:
        found = self.regex.search(text)
        return found.group(0) if found else None


@dataclass(frozen=True)
class Option:
    """One answer a family can give (a class, a level, a strength) and the signals for it."""

    code: str
    label: str
    description: str
    signals: tuple[Signal, ...]
    # Weight added when the recommendation's class is one of these (target levels only:
    # training and admonishments land on practitioners, a national class at national level).
    after_class: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Choice:
    """A family that picks one option by the highest total weight."""

    options: tuple[Option, ...]
    tie_break: tuple[str, ...]  # on equal totals, the earliest code in this list wins
    default: str  # when nothing matches at all

    def option(self, code: str) -> Option:
        return next(o for o in self.options if o.code == code)


@dataclass(frozen=True)
class Flag:
    """A family that is true when the weights of its matched signals reach the threshold."""

    description: str
    threshold: int
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class ReportRules:
    """How paragraphs of a report are weighed as chronology (what happened) or analysis (why)."""

    min_words: int  # shorter paragraphs (headings, captions) are left out of the shares
    min_score: int  # a paragraph needs at least this much evidence to be either
    chronology: tuple[Signal, ...]
    analysis: tuple[Signal, ...]


@dataclass(frozen=True)
class RecommendationRules:
    version: str
    title: str
    summary: str
    classes: Choice
    target_levels: Choice
    # Words before the first modal verb name who must act, usually on its own arrangements,
    # so for the target level their weight is multiplied by this.
    subject_factor: float
    modal: re.Pattern[str]
    strength: Choice
    admonishment: Flag
    owner: Flag
    measurable: Flag
    report: ReportRules
    sources: dict[str, str]
    raw: dict[str, Any] = field(compare=False, repr=False)

    @property
    def checksum(self) -> str:
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def word_regex(word: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    """A whole-word pattern for a word or phrase as the rules write it."""
    parts = [p for p in re.split(r"[\s\-]+", word.strip()) if p]
    pieces = []
    for part in parts:
        if part.endswith("*"):
            pieces.append(re.escape(part[:-1]) + r"[\w'\-]*")
        else:
            pieces.append(re.escape(part))
    body = r"[\s\-]*".join(pieces)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<![\w\-]){body}(?![\w\-])", flags)


def normalise(text: str) -> str:
    """Typographic quotes and dashes as plain ones, runs of spaces as one."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    text = text.replace("\u2014", "-").replace("\u00a0", " ")
    return " ".join(text.split())


class _Reader(ProblemCollector):
    def signals(
        self, section: Any, where: str, *, bodies: str | None = None, required: bool = True
    ) -> tuple[Signal, ...]:
        rows = self.items(section, "signals", where, required=required)
        found: list[Signal] = []
        seen: set[str] = set()
        for index, row in enumerate(rows, start=1):
            at = f"{where} signal {index}"
            if not isinstance(row, dict):
                self.problems.append(f"{at}: must be a mapping with 'words' or 'pattern'")
                continue
            weight = self.number(row, "weight", at, 1, MAX_WEIGHT)
            case_sensitive = row.get("case_sensitive", False)
            if not isinstance(case_sensitive, bool):
                self.problems.append(f"{at}: 'case_sensitive' must be true or false")
                case_sensitive = False
            has_words, has_pattern = "words" in row, "pattern" in row
            if has_words == has_pattern:
                self.problems.append(f"{at}: give either 'words' or 'pattern', not both or neither")
                continue
            if has_words:
                words = row["words"]
                if not isinstance(words, list) or not words:
                    self.problems.append(f"{at}: 'words' must be a non-empty list")
                    continue
                for word in words:
                    if not isinstance(word, str) or not re.search(r"\w", word):
                        self.problems.append(f"{at}: {word!r} is not a word")
                        continue
                    key = word.lower().strip()
                    if key in seen:
                        self.problems.append(f"{at}: '{word}' appears twice in {where}")
                    seen.add(key)
                    if "*" in word.rstrip("*") or word.strip().startswith("*"):
                        self.problems.append(f"{at}: '{word}': '*' may only end a word")
                        continue
                    found.append(
                        Signal(
                            word.strip(), word_regex(word, case_sensitive=case_sensitive), weight
                        )
                    )
                continue
            pattern = row["pattern"]
            if not isinstance(pattern, str) or not pattern.strip():
                self.problems.append(f"{at}: 'pattern' must be a regular expression")
                continue
            if len(pattern) > MAX_PATTERN_LENGTH:
                self.problems.append(f"{at}: the pattern is longer than {MAX_PATTERN_LENGTH}")
                continue
            note = row.get("note")
            if note is not None and (not isinstance(note, str) or not note.strip()):
                self.problems.append(f"{at}: 'note' must be text")
                note = None
            source = pattern
            if BODY_PLACEHOLDER in pattern:
                if bodies is None:
                    self.problems.append(f"{at}: '{BODY_PLACEHOLDER}' only works in 'owner'")
                    continue
                source = pattern.replace(BODY_PLACEHOLDER, bodies)
            try:
                regex = re.compile(source, 0 if case_sensitive else re.IGNORECASE)
            except re.error as exc:
                self.problems.append(f"{at}: not a valid regular expression ({exc})")
                continue
            if regex.search(""):
                self.problems.append(f"{at}: the pattern matches empty text")
                continue
            key = pattern.strip()
            if key in seen:
                self.problems.append(f"{at}: the same pattern appears twice in {where}")
            seen.add(key)
            found.append(Signal(" ".join((note or pattern).split()), regex, weight))
        return tuple(found)

    def after_class(self, row: Any, where: str) -> tuple[tuple[str, int], ...]:
        # Only weights from 1 to MAX_WEIGHT: a class can add to a level, never take away.
        value = row.get("after_class", {}) if isinstance(row, dict) else {}
        if not isinstance(value, dict):
            self.problems.append(f"{where}: 'after_class' must map classes to weights")
            return ()
        found = []
        for class_, weight in value.items():
            if class_ not in CLASSES:
                self.problems.append(f"{where}: 'after_class' names an unknown class {class_}")
            elif (
                isinstance(weight, bool)
                or not isinstance(weight, int)
                or not 1 <= weight <= MAX_WEIGHT
            ):
                self.problems.append(
                    f"{where}: the weight for class {class_} must be a whole number from 1 to "
                    f"{MAX_WEIGHT}"
                )
            else:
                found.append((str(class_), weight))
        return tuple(found)

    def choice(self, document: Any, key: str, codes: tuple[str, ...]) -> Choice:
        section = document.get(key) if isinstance(document, dict) else None
        if not isinstance(section, dict):
            self.problems.append(f"rules: '{key}' must be a mapping")
            return Choice((), codes, codes[0])
        options = []
        for index, row in enumerate(self.items(section, "options", key), start=1):
            code = self.text(row, "code", f"{key} option {index}")
            where = f"{key} option {code or index}"
            if code and code not in codes:
                self.problems.append(f"{where}: code must be one of {', '.join(codes)}")
            options.append(
                Option(
                    code=code,
                    label=self.text(row, "label", where),
                    description=self.text(row, "description", where, required=False),
                    signals=self.signals(row, where),
                    after_class=self.after_class(row, where) if key == "target_levels" else (),
                )
            )
        given = [o.code for o in options]
        for code in codes:
            if given.count(code) != 1:
                state = "is missing" if code not in given else "appears more than once"
                self.problems.append(f"{key}: option '{code}' {state}")
        tie_break = section.get("tie_break")
        if not isinstance(tie_break, list) or sorted(map(str, tie_break)) != sorted(codes):
            self.problems.append(f"{key}: 'tie_break' must list each of {', '.join(codes)} once")
            tie_break = list(codes)
        default = section.get("default")
        if default not in codes:
            self.problems.append(f"{key}: 'default' must be one of {', '.join(codes)}")
            default = codes[0]
        return Choice(tuple(options), tuple(str(c) for c in tie_break), str(default))

    def flag(self, document: Any, key: str, *, bodies: str | None = None) -> Flag:
        section = document.get(key) if isinstance(document, dict) else None
        if not isinstance(section, dict):
            self.problems.append(f"rules: '{key}' must be a mapping")
            return Flag("", 1, ())
        return Flag(
            description=self.text(section, "description", key),
            threshold=self.number(section, "threshold", key, 1, 100),
            signals=self.signals(section, key, bodies=bodies),
        )


def _bodies(reader: _Reader, section: Any) -> str | None:
    names = reader.items(section, "bodies", "owner")
    problems = [str(n) for n in names if not isinstance(n, str) or not re.search(r"\w", n)]
    if problems:
        reader.problems.append(f"owner: not names of bodies: {', '.join(problems)}")
    names = [n for n in names if isinstance(n, str) and re.search(r"\w", n)]
    if not names:
        return None
    # Longest first, so that "children's social care" wins over "care".
    ordered = sorted({n.strip() for n in names}, key=lambda n: (-len(n), n.lower()))
    alternatives = []
    for name in ordered:
        pieces = [re.escape(p) for p in re.split(r"[\s\-]+", name) if p]
        alternatives.append(r"[\s\-]*".join(pieces))
    return r"(?<![\w\-])(?:" + "|".join(alternatives) + r")(?![\w\-])"


def parse_rules(document: Any) -> RecommendationRules:
    """Check a rules document, reporting every problem at once."""
    if not isinstance(document, dict):
        raise DocumentInvalid(["a recommendation rules file must be a mapping"])
    r = _Reader()
    sources: dict[str, str] = {}
    for index, row in enumerate(r.items(document, "sources", "rules"), start=1):
        where = f"sources row {index}"
        source_id = r.text(row, "id", where)
        if source_id in sources:
            r.problems.append(f"{where}: source {source_id} appears twice")
        sources[source_id] = r.text(row, "citation", where)

    classes = r.choice(document, "classes", CLASSES)
    levels = r.choice(document, "target_levels", TARGET_LEVELS)
    level_section = document.get("target_levels")
    level_section = level_section if isinstance(level_section, dict) else {}
    factor = level_section.get("subject_factor")
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 <= factor <= 3:
        r.problems.append("target_levels: 'subject_factor' must be a number from 0 to 3")
        factor = 1.0
    modal_text = level_section.get("modal")
    modal = re.compile(r"(?!)")
    if not isinstance(modal_text, str) or not modal_text.strip():
        r.problems.append("target_levels: 'modal' must be a regular expression")
    else:
        try:
            modal = re.compile(modal_text, re.IGNORECASE)
        except re.error as exc:
            r.problems.append(f"target_levels: 'modal' is not a valid regular expression ({exc})")
    strength = r.choice(document, "strength", STRENGTHS)
    admonishment = r.flag(document, "admonishment")
    owner_section = document.get("owner")
    bodies = _bodies(r, owner_section) if isinstance(owner_section, dict) else None
    owner = r.flag(document, "owner", bodies=bodies)
    measurable = r.flag(document, "measurable")

    report_section = document.get("report")
    if not isinstance(report_section, dict):
        r.problems.append("rules: 'report' must be a mapping")
        report_section = {}
    chronology = report_section.get("chronology")
    analysis = report_section.get("analysis")
    report = ReportRules(
        min_words=r.number(report_section, "min_words", "report", 1, 100),
        min_score=r.number(report_section, "min_score", "report", 1, 100),
        chronology=r.signals(chronology if isinstance(chronology, dict) else {}, "chronology"),
        analysis=r.signals(analysis if isinstance(analysis, dict) else {}, "analysis"),
    )

    result = RecommendationRules(
        version=r.text(document, "version", "rules"),
        title=r.text(document, "title", "rules"),
        summary=r.text(document, "summary", "rules", required=False),
        classes=classes,
        target_levels=levels,
        subject_factor=float(factor),
        modal=modal,
        strength=strength,
        admonishment=admonishment,
        owner=owner,
        measurable=measurable,
        report=report,
        sources=sources,
        raw=document,
    )
    if result.version and not VERSION.match(result.version):
        r.problems.append("rules: 'version' must be letters, digits, dots or hyphens")
    r.done()
    return result


def load_rules(path: Path) -> RecommendationRules:
    """Read and check one rules file; DocumentInvalid lists every problem in it."""
    return parse_rules(read_yaml(path))


def _version_key(path: Path) -> tuple[tuple[int, int | str], ...]:
    # Numbers sort as numbers and before words, so 2026.10 comes after 2026.9.
    parts = re.split(r"[.\-]", path.stem)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def rules_files(folder: Path | None = None) -> list[Path]:
    """The versions shipped (or in `folder`), oldest first."""
    return sorted((folder or RULES_DIR).glob("*.yaml"), key=_version_key)


@functools.cache
def current_rules() -> RecommendationRules:
    """The newest version shipped, read once per process."""
    files = rules_files()
    if not files:
        raise DocumentInvalid([f"no recommendation rules in {RULES_DIR.name}"])
    return load_rules(files[-1])
