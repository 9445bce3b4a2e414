"""What review recommendations target, and how much of a report explains rather than narrates:
pure functions of text and the recommendation rules, with the evidence for every answer.

How a choice is made, for the class, the target level and the strength: every signal of every
option that matches the text adds its weight once (however often it matches); the option with
the highest total wins; on equal totals the option earliest in the family's `tie_break` list
wins; when nothing matches at all the family's `default` is given, with no evidence. For the
target level, words before the first modal verb ("should", "must", "to ...") say who must act
(usually on its own arrangements), so their weight is multiplied by the rules'
`subject_factor`; and an option may gain weight from the class already chosen (`after_class`:
training and admonishments land on practitioners). Where matches of two signals of one option
overlap, only the longer counts. The flags
(admonishment, owner named, measurable) are true when the weights of their matched signals
reach the family's threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from portal.peer_qa.recommendation_rules import (
    Choice,
    Flag,
    RecommendationRules,
    Signal,
    normalise,
)


@dataclass(frozen=True)
class Evidence:
    """A word or pattern of the rules that matched, and what it counted for."""

    family: str  # class, target_level, strength, admonishment, owner, measurable, ...
    option: str  # the class, level or strength it supports; "yes" for a flag
    term: str  # the word or the pattern's note as the rules write it
    matched: str  # the text it matched
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "option": self.option,
            "term": self.term,
            "matched": self.matched,
            "weight": self.weight,
        }


@dataclass(frozen=True)
class Classification:
    """One recommendation: what it targets, how strong an action it is, and why we say so.

    `evidence` holds what decided each answer; `scores` every option's total, for each family.
    """

    text: str
    class_: str  # training | procedure | system | national
    target_level: str  # practitioner | team | agency | partnership | national
    strength: str  # weak | medium | strong
    admonishment: bool
    owner_named: bool
    measurable: bool
    evidence: tuple[Evidence, ...]
    scores: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    rules_version: str

    def as_dict(self) -> dict[str, Any]:
        """The shape `peer-qa classify` writes, one object per recommendation."""
        return {
            "text": self.text,
            "class": self.class_,
            "target_level": self.target_level,
            "strength": self.strength,
            "admonishment": self.admonishment,
            "owner_named": self.owner_named,
            "measurable": self.measurable,
            "evidence": [e.as_dict() for e in self.evidence],
            "scores": {family: dict(totals) for family, totals in self.scores},
            "rules_version": self.rules_version,
        }


@dataclass(frozen=True)
class ParagraphAnalysis:
    index: int  # from 0, in the order of the report
    text: str
    words: int
    kind: str  # chronology | analysis | other
    chronology_score: float
    analysis_score: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class ReportAnalysis:
    """How much of a report tells what happened and how much explains why, by paragraph.

    Shares are of the words in paragraphs long enough to count (headings are left out); a
    paragraph is chronology or analysis when that side has more evidence and reaches the
    rules' minimum, otherwise it is other (introductions, recommendations, tables).
    """

    paragraphs: tuple[ParagraphAnalysis, ...]
    counted_words: int
    chronology_words: int
    analysis_words: int
    rules_version: str

    @property
    def chronology_share(self) -> float:
        return self.chronology_words / self.counted_words if self.counted_words else 0.0

    @property
    def analysis_share(self) -> float:
        return self.analysis_words / self.counted_words if self.counted_words else 0.0

    @property
    def other_share(self) -> float:
        if not self.counted_words:
            return 0.0
        return 1.0 - self.chronology_share - self.analysis_share


# --- Recommendations --------------------------------------------------------------------------


def _matches(
    signals: tuple[Signal, ...],
    text: str,
    family: str,
    option: str,
    *,
    subject_end: int = 0,
    subject_factor: float = 1.0,
) -> list[Evidence]:
    """The signals that match, each counted once; where matches of different signals overlap
    ("NHS trust" and "trust"), only the longest counts."""
    candidates = []
    for order, signal in enumerate(signals):
        for match in signal.regex.finditer(text):
            if match.end() == match.start():
                continue
            in_subject = match.start() < subject_end
            weight = signal.weight * (subject_factor if in_subject else 1.0)
            candidates.append((match.start() - match.end(), -weight, order, match, weight))
    candidates.sort(key=lambda c: (c[0], c[1], c[2], c[3].start()))
    counted: set[int] = set()
    spans: list[tuple[int, int]] = []
    found: dict[int, Evidence] = {}
    for _, _, order, match, weight in candidates:
        if order in counted or weight <= 0:
            continue
        if any(match.start() < end and start < match.end() for start, end in spans):
            continue
        counted.add(order)
        spans.append(match.span())
        found[order] = Evidence(family, option, signals[order].term, match.group(0), weight)
    return [found[order] for order in sorted(found)]


def _choose(
    choice: Choice,
    text: str,
    family: str,
    *,
    subject_end: int = 0,
    subject_factor: float = 1.0,
    class_: str | None = None,
) -> tuple[str, list[Evidence], tuple[tuple[str, float], ...]]:
    evidence: dict[str, list[Evidence]] = {}
    totals: dict[str, float] = {}
    for option in choice.options:
        found = _matches(
            option.signals,
            text,
            family,
            option.code,
            subject_end=subject_end,
            subject_factor=subject_factor,
        )
        found += [
            Evidence(family, option.code, f"class: {code}", code, float(weight))
            for code, weight in option.after_class
            if code == class_
        ]
        evidence[option.code] = found
        totals[option.code] = float(round(sum(e.weight for e in found), 4))
    scores = tuple((code, totals.get(code, 0.0)) for code in choice.tie_break)
    best = max(totals.values(), default=0.0)
    if best <= 0:
        return choice.default, [], scores
    # tie_break lists every code once: the first with the highest total wins.
    winner = next(code for code in choice.tie_break if totals.get(code, 0.0) == best)
    return winner, evidence[winner], scores


def _flag(flag: Flag, text: str, family: str) -> tuple[bool, list[Evidence]]:
    found = _matches(flag.signals, text, family, "yes")
    raised = sum(e.weight for e in found) >= flag.threshold
    return raised, found if raised else []


# "1.", "(a)", "R3:", "Recommendation 2:", a bullet: the list's, not the recommendation's.
_LEADING_MARKER = re.compile(
    r"^(?:recommendation\s+\w{1,4}\s*[:.)\-]\s*|R\d{1,2}\s*[:.)\-]?\s+"
    r"|\(?\d{1,2}(?:\.\d{1,2})?[.):]\s+|\d{1,2}\.\d{1,2}\s+|\(?[a-z][.)]\s+|[\u2022\u25cf\u25aa*\-]\s+)",
    re.IGNORECASE,
)


def classify(text: str, rules: RecommendationRules) -> Classification:
    """Classify one recommendation by the rules (see the module's docstring for how). A list
    marker at its start ("1.", "R3:", "Recommendation 2:") is left out."""
    clean = _LEADING_MARKER.sub("", normalise(text), count=1)
    class_, class_evidence, class_scores = _choose(rules.classes, clean, "class")
    modal = rules.modal.search(clean)
    level, level_evidence, level_scores = _choose(
        rules.target_levels,
        clean,
        "target_level",
        subject_end=modal.start() if modal else 0,
        subject_factor=rules.subject_factor,
        class_=class_,
    )
    strength, strength_evidence, strength_scores = _choose(rules.strength, clean, "strength")
    admonishment, admonishment_evidence = _flag(rules.admonishment, clean, "admonishment")
    owner_named, owner_evidence = _flag(rules.owner, clean, "owner")
    measurable, measurable_evidence = _flag(rules.measurable, clean, "measurable")
    return Classification(
        text=clean,
        class_=class_,
        target_level=level,
        strength=strength,
        admonishment=admonishment,
        owner_named=owner_named,
        measurable=measurable,
        evidence=tuple(
            class_evidence
            + level_evidence
            + strength_evidence
            + admonishment_evidence
            + owner_evidence
            + measurable_evidence
        ),
        scores=(
            ("class", class_scores),
            ("target_level", level_scores),
            ("strength", strength_scores),
        ),
        rules_version=rules.version,
    )


# --- Reports: chronology and analysis ---------------------------------------------------------

_LIST_MARKER = re.compile(
    r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.)]|\(\d{1,2}\)|[a-z][.)]|\([a-z]\)|[ivx]{1,5}[.)]"
    r"|\([ivx]{1,5}\)|[\u2022\u00b7\u25aa\u25cf\u2013*\-])\s+",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?:;)\"']\s*$")


def paragraphs(text: str) -> list[str]:
    """The report's paragraphs in order.

    Blank lines separate paragraphs. Text taken from a PDF often has none, only wrapped lines:
    there a line that ends a sentence and is clearly shorter than the longest line of its block
    ends a paragraph, a list item starts one, and a short line without a full stop, neither
    starting nor followed by a line starting in lower case (a heading), stands on its own.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) == 1:
            found.append(normalise(lines[0]))
            continue
        longest = max(len(line) for line in lines)
        current: list[str] = []
        for index, line in enumerate(lines):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            heading = (
                len(line) < 0.6 * longest
                and not _SENTENCE_END.search(line)
                and not _LIST_MARKER.match(line)
                and not line[:1].islower()
                and not following[:1].islower()
            )
            if current and (_LIST_MARKER.match(line) or heading):
                found.append(_join(current))
                current = []
            current.append(line)
            if heading or (_SENTENCE_END.search(line) and len(line) < 0.8 * longest):
                found.append(_join(current))
                current = []
        if current:
            found.append(_join(current))
    return [p for p in found if p]


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if text.endswith("-") and not text.endswith(" -") and line[:1].islower():
            text += line  # a word broken at the end of a line: keep the hyphen, no space
        else:
            text = f"{text} {line}" if text else line
    return normalise(text)


def _side(signals: tuple[Signal, ...], text: str, family: str) -> list[Evidence]:
    return _matches(signals, text, family, family)


def analyse_report(text: str, rules: RecommendationRules) -> ReportAnalysis:
    """Weigh each paragraph as chronology or analysis; shares are by words."""
    report = rules.report
    results: list[ParagraphAnalysis] = []
    counted = chronology_words = analysis_words = 0
    for index, paragraph in enumerate(paragraphs(text)):
        words = len(paragraph.split())
        chronology = _side(report.chronology, paragraph, "chronology")
        analysis = _side(report.analysis, paragraph, "analysis")
        chronology_score = float(round(sum(e.weight for e in chronology), 4))
        analysis_score = float(round(sum(e.weight for e in analysis), 4))
        kind = "other"
        if words >= report.min_words:
            counted += words
            if chronology_score > analysis_score and chronology_score >= report.min_score:
                kind = "chronology"
                chronology_words += words
            elif analysis_score > chronology_score and analysis_score >= report.min_score:
                kind = "analysis"
                analysis_words += words
        results.append(
            ParagraphAnalysis(
                index=index,
                text=paragraph,
                words=words,
                kind=kind,
                chronology_score=chronology_score,
                analysis_score=analysis_score,
                evidence=tuple(chronology + analysis),
            )
        )
    return ReportAnalysis(
        paragraphs=tuple(results),
        counted_words=counted,
        chronology_words=chronology_words,
        analysis_words=analysis_words,
        rules_version=rules.version,
    )


# --- Finding the recommendations in a report --------------------------------------------------

_HEADING = re.compile(
    r"^(?:(?:section|part|chapter)\s+)?(?P<number>\d{1,2}(?:\.\d{1,2})*\.?\s+|[A-Z][.)]\s+)?"
    r"(?:summary\s+of\s+(?:the\s+)?|key\s+|the\s+|findings\s+and\s+|list\s+of\s+)?"
    r"recommendations?"
    r"(?:\s+(?:for|to|from|of|and)\b[^.:;]{0,60})?\s*:?$",
    re.IGNORECASE,
)
_END_HEADING = re.compile(
    r"^(?:(?P<number>\d{1,2}(?:\.\d{1,2})*\.?)\s+)?(?:appendi(?:x|ces)|annex(?:e|es)?|glossary|"
    r"references|bibliography|conclusions?|concluding\s+remarks|next\s+steps|"
    r"acknowledge?ments|terms\s+of\s+reference|methodology|(?:the\s+)?partnership(?:'s)?\s+"
    r"response|response\s+(?:from|of)\b.*|endnotes|notes|further\s+reading|"
    r"(?:the\s+)?(?:review\s+)?(?:team|panel)(?:\s+membership)?|contents)\b[^.]{0,60}$",
    re.IGNORECASE,
)
_LABELLED = re.compile(r"^\s*recommendation\s+(\d{1,2}|[a-z]|[ivx]{1,5})\b\s*[:.)\-]?\s*", re.I)
_PAGE_FURNITURE = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?$", re.IGNORECASE)

_MARKER_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("labelled", _LABELLED),
    (
        "number",
        re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})?[.)]|\d{1,2}\.\d{1,2}(?=\s)|\(\d{1,2}\))\s*"),
    ),
    ("roman", re.compile(r"^\s*\(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)[.)]\s+", re.I)),
    ("letter", re.compile(r"^\s*(?:[a-z][.)]|\([a-z]\))\s+", re.IGNORECASE)),
    ("bullet", re.compile(r"^\s*[\u2022\u00b7\u25aa\u25cf\u25e6\u2013\u2014*\-o]\s+")),
)


def _markers(line: str) -> dict[str, int]:
    """The kinds of list marker a line may start with ("i." is a letter or a numeral), and
    where its text begins."""
    found = {}
    for kind, pattern in _MARKER_KINDS:
        match = pattern.match(line)
        if match:
            found[kind] = match.end()
    return found


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?]['\")]?$", text.strip()))


def _items(lines: list[str]) -> list[str]:
    """Split a section's lines into recommendations.

    The first kind of marker met is the list; other markers (a numbered list's lettered parts)
    stay inside the item they follow. Lines without a marker continue the item before them,
    except a paragraph after a blank line, or a short line without a full stop just before the
    next item, once the item has ended its sentence: those are subheadings or commentary. A
    section with no markers at all gives one item per paragraph.
    """
    marked = [_markers(line) if line else {} for line in lines]
    first = next((m for m in marked if m), None)
    if first is None:
        found: list[str] = []
        paragraph: list[str] = []
        for line in [*lines, ""]:
            if line:
                paragraph.append(line)
            elif paragraph:
                found.append(_join(paragraph))
                paragraph = []
        # An introduction ("The review makes these recommendations:") is not one.
        return [i for i in found if len(i.split()) >= 4 and not i.endswith(":")]
    top = next(iter(first))
    items: list[str] = []
    current: list[str] = []
    started = after_blank = False
    for index, line in enumerate(lines):
        if not line:
            after_blank = True
            continue
        if top in marked[index]:
            if current:
                items.append(_join(current))
            rest = line[marked[index][top] :].strip()
            current = [rest] if rest else []
            started = True
        elif started:
            complete = bool(current) and _ends_sentence(current[-1])
            following = next((m for m in marked[index + 1 :] if m), {})
            subheading = not _ends_sentence(line) and len(line.split()) <= 8 and top in following
            if not (complete and (after_blank or subheading)):
                current.append(line)
        after_blank = False
    if current:
        items.append(_join(current))
    return [i for i in items if i]


def _heading_number(match: re.Match[str]) -> str | None:
    number = match.group("number")
    return number.strip().rstrip(".") if number else None


def _next_section(line: str, number: str | None) -> bool:
    """ "8. Appendix" after "7. Recommendations": the next numbered section begins."""
    if not number or not number.split(".")[0].isdigit():
        return False
    head = re.match(r"^(\d{1,2})(?:\.\d{1,2})*\.?\s+[A-Z]", line)
    return bool(
        head
        and int(head.group(1)) == int(number.split(".")[0]) + 1
        and not _ends_sentence(line)
        and len(line.split()) <= 7
    )


def _section(lines: list[str], start: int, number: str | None) -> list[str]:
    section: list[str] = []
    for line in lines[start + 1 :]:
        if line:
            if section and _HEADING.match(line):
                break
            end = _END_HEADING.match(line)
            if end and (_heading_number(end) or (line[0].isupper() and len(line.split()) <= 6)):
                break
            if _next_section(line, number):
                break
            if section and line.isupper() and len(line.split()) <= 6:
                break  # a heading in capitals
        section.append(line)
    return section


def extract_recommendations(text: str) -> list[str]:
    """Each recommendation of a report as one string, in order.

    The section under the heading "Recommendations" (or "Summary of recommendations",
    "Recommendations for the partnership", ...) up to the next heading is read as a list:
    numbered, lettered or bulleted items, or one per paragraph, items continuing over lines.
    Where the heading appears more than once (a contents page, a summary and the full list),
    the occurrence giving most items is read; on equal counts the later one. Without a heading,
    items labelled "Recommendation 1", "Recommendation 2"... anywhere in the report are read.
    """
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # Page numbers and "Page 3 of 10" between the lines of a PDF are not part of the text.
    lines = [normalise(line) for line in raw_lines if not _PAGE_FURNITURE.match(line.strip())]
    best: list[str] = []
    for index, line in enumerate(lines):
        heading = _HEADING.match(line) if line else None
        if not heading:
            continue
        items = _items(_section(lines, index, _heading_number(heading)))
        if items and len(items) >= len(best):
            best = items
    if best:
        return best
    labelled: list[str] = []
    current: list[str] | None = None
    for line in [*lines, ""]:
        found = _LABELLED.match(line) if line else None
        if found:
            if current:
                labelled.append(_join(current))
            rest = line[found.end() :].strip()
            current = [rest] if rest else []
        elif current is None:
            continue
        elif line:
            current.append(line)
        elif current:
            labelled.append(_join(current))
            current = None
    return labelled
