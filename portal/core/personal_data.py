"""A check for text that seems to identify a person: names beside family words or titles,
full dates, addresses, postcodes, phone numbers and email addresses.

It warns; it does not decide. Reflections about reviews must not identify a child, a family
member or a practitioner, and a second look by the writer is cheap, so the check leans towards
asking, while guarding against what reviewers write every day (statutory guidance with its
year, regulators' names, competency codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_NAME = r"[A-Z][a-z]+(?:['-][A-Z]?[a-z]+)?"

# Words that follow a family word or title with a capital letter without being a name.
_NOT_NAMES_TEXT = """
    A An And As At But By For From He Her His I If In Is It Its My No Not Of On Or Our She So
    That The Their Then There They This To Was We Were When Who With You Your
    Care Child Children Court Council England Family Health Help Services Social Protection
    Practice Review Reviews Safeguarding Panel Partnership Police Plan School Team Trust Unit
    Working Together Work Serious Local National Rapid Learning Research Department Ofsted
    Systems System Network Networks Group Board Centre Service Office Agency Authority
    Hospital Foundation University College Institute Association Society Commission
    NHS GP CAMHS
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
"""
NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split()) | frozenset(MONTHS.split("|"))

FAMILY_WORDS = (
    r"mother|father|mum|mam|dad|parent|step-?father|step-?mother|step-?dad|step-?mum|"
    r"brother|sister|half-brother|half-sister|sibling|son|daughter|baby|infant|toddler|"
    r"child|boy|girl|teenager|grandmother|grandfather|grandma|grandad|granddad|gran|nan|"
    r"grandparent|aunt|auntie|uncle|cousin|nephew|niece|partner|boyfriend|girlfriend|"
    r"husband|wife|carer|foster carer|kinship carer|friend|neighbour"
)
ROLE_WORDS = (
    r"social worker|health visitor|midwife|teacher|head teacher|headteacher|nurse|"
    r"school nurse|GP|doctor|paediatrician|police officer|officer|detective|practitioner|"
    r"manager|team manager|family support worker|key worker|youth worker|probation officer"
)
TITLES = r"Mr|Mrs|Ms|Miss|Mx|Dr|Master|Prof|Professor|Sir|Dame|Lady|Lord|Rev|Reverend"
STREET_WORDS = (
    r"Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Crescent|Grove|Gardens|Terrace|"
    r"Mews|Way|Place|Court|Walk|Square|Row|Rise|Hill|Park|Parade|View|Green"
)
# Without a house number only the words that rarely end anything but a street name.
STREET_NAME_WORDS = r"Road|Street|Avenue|Lane|Close|Crescent|Grove|Gardens|Terrace|Mews|Drive"


@dataclass(frozen=True)
class Finding:
    """Something in the text that may identify a person, and why it was picked out."""

    kind: str
    reason: str
    text: str
    start: int
    end: int


_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "date_of_birth",
        "mentions a date of birth",
        re.compile(r"\b(?:date of birth|d\.?o\.?b\.?|born on)\b[:\s]*[^\s.,;]*", re.IGNORECASE),
    ),
    (
        "date",
        "is a full date, which could identify a person or an incident",
        re.compile(
            r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
            r"|\d{4}-\d{2}-\d{2}"
            rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTHS})\.?,?\s+\d{{4}}"
            rf"|(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b"
        ),
    ),
    (
        "postcode",
        "looks like a postcode",
        re.compile(r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b"),
    ),
    (
        "address",
        "looks like a street address",
        re.compile(rf"\b\d{{1,4}}[a-zA-Z]?,?\s+(?:{_NAME}\s+){{1,3}}(?:{STREET_WORDS})\b"),
    ),
    (
        "email",
        "is an email address",
        re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    ),
    (
        "phone",
        "looks like a phone number",
        re.compile(
            r"(?<![\w.])(?:\+44\s?\(?0?\)?\s?|0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\w|\.\d)"
        ),
    ),
)

_TITLED = re.compile(rf"\b(?:{TITLES})\.?\s+({_NAME})")
_FAMILY = re.compile(rf"\b(?:{FAMILY_WORDS}|{ROLE_WORDS})\b,?\s+({_NAME})", re.IGNORECASE)
_NAMED = re.compile(rf"\b(?:named|called|known as)\s+({_NAME})")
_STREET = re.compile(rf"\b({_NAME})\s+(?:{STREET_NAME_WORDS})\b")
_POSSESSIVE = re.compile(rf"\b({_NAME})'s\s+(?:{FAMILY_WORDS}|{ROLE_WORDS})\b")


def _is_name(word: str) -> bool:
    # The family pattern is case-insensitive for its family word only: the name must be
    # capitalised as written.
    base = word.removesuffix("'s")
    return base[:1].isupper() and base[1:2].islower() and base not in NOT_NAMES


def find_personal_data(text: str | None) -> list[Finding]:
    """Every stretch of `text` that seems to identify someone, in the order they appear."""
    if not text:
        return []
    found: list[Finding] = []
    for kind, reason, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            found.append(Finding(kind, reason, match.group(0).strip(), match.start(), match.end()))
    for match in _TITLED.finditer(text):
        if match.group(1) not in NOT_NAMES:
            found.append(
                Finding(
                    "name",
                    "looks like a person's name with a title",
                    match.group(0),
                    match.start(),
                    match.end(),
                )
            )
    for match in _FAMILY.finditer(text):
        if _is_name(match.group(1)):
            found.append(
                Finding(
                    "name",
                    "looks like a name beside a family word or a role",
                    match.group(0),
                    match.start(),
                    match.end(),
                )
            )
    for match in _POSSESSIVE.finditer(text):
        if _is_name(match.group(1)):
            found.append(
                Finding(
                    "name",
                    "looks like a name beside a family word or a role",
                    match.group(0),
                    match.start(),
                    match.end(),
                )
            )
    for match in _NAMED.finditer(text):
        if _is_name(match.group(1)):
            found.append(
                Finding("name", "looks like a name", match.group(0), match.start(), match.end())
            )
    for match in _STREET.finditer(text):
        if _is_name(match.group(1)):
            found.append(
                Finding(
                    "address",
                    "looks like a street name",
                    match.group(0),
                    match.start(),
                    match.end(),
                )
            )
    return _without_overlaps(found)


def _without_overlaps(found: list[Finding]) -> list[Finding]:
    """Keep the longest finding where several cover the same words."""
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept
