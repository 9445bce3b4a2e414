"""Text from uploaded reports: real PDFs and Word documents round-trip, and damaged,
encrypted, oversized and hostile files give a clear error, never a crash."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from pypdf import PdfReader, PdfWriter

from portal.peer_qa.classifier import extract_recommendations
from portal.peer_qa.extraction import ExtractionError, Limits, extract_text
from tests.files import EXECUTABLE, HTML, docx_bytes, pdf_bytes, zip_bytes

pytestmark = pytest.mark.no_db

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REPORT = (
    "Local child safeguarding practice review: Child R\n"
    "On 3 March 2023 the baby was seen by a paediatrician. The review considers why the "
    "bruising was not recognised, because the system did not prompt a check.\f"
    "Recommendations\n"
    "1. The partnership should commission a redesign of the front door so that police and "
    "health information is available to social workers at the point of referral.\n"
    "2. Practitioners should be reminded to see children alone.\n"
    "Appendix\nTerms of reference."
)


def _docx(body: str, *, numbering: str | None = None, extra: dict[str, bytes] | None = None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            f"<w:body>{body}</w:body></w:document>",
        )
        if numbering:
            archive.writestr(
                "word/numbering.xml",
                f'<?xml version="1.0"?><w:numbering xmlns:w="{W_NS}">{numbering}</w:numbering>',
            )
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _p(text: str, num: str | None = None, level: int = 0) -> str:
    props = (
        f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>'
        if num
        else ""
    )
    return f"<w:p>{props}<w:r><w:t>{text}</w:t></w:r></w:p>"


def test_text_from_a_generated_pdf_round_trips():
    assert extract_text(pdf_bytes()) == "Invented anonymised report"
    text = extract_text(pdf_bytes(REPORT))
    assert text.startswith("Local child safeguarding practice review: Child R\nOn 3 March 2023")
    assert "\n\nRecommendations\n" in text  # pages are separated by a blank line
    assert extract_recommendations(text) == [
        "The partnership should commission a redesign of the front door so that police and "
        "health information is available to social workers at the point of referral.",
        "Practitioners should be reminded to see children alone.",
    ]


def test_a_pdf_with_padding_still_reads():
    assert extract_text(pdf_bytes("Padded", padding=50_000)) == "Padded"


def test_text_from_a_generated_docx_round_trips():
    assert extract_text(docx_bytes()) == "Invented"
    paragraphs = ["Recommendations", "1. The ICB & the council should <act>.", "Line\nbreak"]
    assert extract_text(docx_bytes(paragraphs=paragraphs)) == (
        "Recommendations\n\n1. The ICB & the council should <act>.\n\nLine\nbreak"
    )


def test_word_lists_get_the_numbers_word_would_show():
    numbering = (
        '<w:abstractNum w:abstractNumId="4"><w:lvl w:ilvl="0"><w:numFmt w:val="decimal"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:numFmt w:val="lowerLetter"/></w:lvl></w:abstractNum>'
        '<w:abstractNum w:abstractNumId="5"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/>'
        "</w:lvl></w:abstractNum>"
        '<w:num w:numId="1"><w:abstractNumId w:val="4"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="5"/></w:num>'
    )
    body = "".join(
        [
            _p("Recommendations"),
            _p("The partnership should agree a pathway.", "1"),
            _p("The ICB should fund health visiting:", "1"),
            _p("in the evenings;", "1", 1),
            _p("at weekends.", "1", 1),
            _p("The council should redesign its front door.", "1"),
            _p("Notes"),
            _p("A point in a bulleted list.", "2"),
        ]
    )
    text = extract_text(_docx(body, numbering=numbering))
    assert text.split("\n\n") == [
        "Recommendations",
        "1. The partnership should agree a pathway.",
        "2. The ICB should fund health visiting:",
        "a) in the evenings;",
        "b) at weekends.",
        "3. The council should redesign its front door.",
        "Notes",
        "\u2022 A point in a bulleted list.",
    ]
    assert extract_recommendations(text) == [
        "The partnership should agree a pathway.",
        "The ICB should fund health visiting: a) in the evenings; b) at weekends.",
        "The council should redesign its front door.",
    ]


def test_deleted_text_fields_and_fallback_copies_are_left_out():
    body = (
        "<w:p><w:r><w:t>Kept</w:t></w:r><w:del><w:r><w:delText>deleted</w:delText></w:r></w:del>"
        "<w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:tab/><w:t>after a tab </w:t></w:r>"
        "<w:r><w:t>non</w:t><w:noBreakHyphen/><w:t>breaking</w:t></w:r></w:p>"
        "<w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent>"
        "<w:p><w:r><w:t>In a text box</w:t></w:r></w:p></w:txbxContent></mc:Choice>"
        "<mc:Fallback><w:txbxContent><w:p><w:r><w:t>In a text box</w:t></w:r></w:p>"
        "</w:txbxContent></mc:Fallback></mc:AlternateContent><w:t>Beside the box</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>In a table</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    assert extract_text(_docx(body)).split("\n\n") == [
        "Kept\tafter a tab non-breaking",
        "Beside the box",
        "In a text box",
        "In a table",
    ]


def test_a_zip_bomb_is_refused_by_its_declared_size():
    bomb = _docx("<w:p><w:r><w:t>x</w:t></w:r></w:p>" + " " * (3 * 1024 * 1024))
    assert len(bomb) < 50_000
    with pytest.raises(ExtractionError, match="expands to far more"):
        extract_text(bomb)
    with pytest.raises(ExtractionError, match="expands to far more"):
        extract_text(_docx("<w:p/>" * 1000), limits=Limits(max_xml_bytes=1000))


def test_a_zip_whose_parts_together_are_too_large_is_refused():
    parts = {f"word/media/filler{n}.xml": b" " * 600_000 for n in range(8)}
    with pytest.raises(ExtractionError, match="expands to far more"):
        extract_text(_docx("<w:p/>", extra=parts), limits=Limits(max_xml_bytes=1_000_000))


def test_a_zip_that_lies_about_its_size_is_refused():
    honest = _docx("<w:p><w:r><w:t>" + "word " * 20_000 + "</w:t></w:r></w:p>")
    archive = zipfile.ZipFile(io.BytesIO(honest))
    info = archive.getinfo("word/document.xml")
    declared = info.file_size.to_bytes(4, "little")
    lying = honest.replace(declared, (1000).to_bytes(4, "little"))
    assert lying != honest
    with pytest.raises(ExtractionError):
        extract_text(lying)


def test_xml_entities_and_doctypes_are_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<w:document xmlns:w="' + W_NS.encode() + b'"><w:body><w:p><w:r><w:t>&lol2;</w:t>'
        b"</w:r></w:p></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", laughs)
    with pytest.raises(ExtractionError, match="XML that is not allowed"):
        extract_text(buffer.getvalue())


def test_broken_xml_is_a_clear_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed>")
    with pytest.raises(ExtractionError, match="could not be read"):
        extract_text(buffer.getvalue())


def _encrypted(user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes("Protected text"))))
    writer.encrypt(user_password, owner_password=owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_that_needs_a_password_is_a_clear_error():
    with pytest.raises(ExtractionError, match="protected by a password"):
        extract_text(_encrypted("open sesame"))


def test_a_pdf_restricted_only_by_an_owner_password_is_read():
    assert extract_text(_encrypted("", owner_password="owner")) == "Protected text"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (EXECUTABLE, "not a PDF or a Word document"),
        (HTML, "not a PDF or a Word document"),
        (b"plain text that is not a document", "not a PDF or a Word document"),
        (zip_bytes(), "a zip archive, not a Word document"),
        (b"%PDF-1.4 then nothing a reader could use", "PDF could not be read"),
        (pdf_bytes()[:60], "PDF could not be read"),
        (b"PK\x03\x04junk", "Word document could not be read"),
    ],
    ids=["empty", "exe", "html", "text", "zip", "pdf-junk", "pdf-truncated", "zip-junk"],
)
def test_anything_else_is_a_clear_error(content, message):
    with pytest.raises(ExtractionError, match=message) as caught:
        extract_text(content)
    assert caught.value.message == str(caught.value)


def test_the_limits_hold():
    three_pages = pdf_bytes("one\ftwo\fthree")
    assert extract_text(three_pages) == "one\n\ntwo\n\nthree"
    with pytest.raises(ExtractionError, match="has 3 pages"):
        extract_text(three_pages, limits=Limits(max_pages=2))
    with pytest.raises(ExtractionError, match="took too long"):
        extract_text(three_pages, limits=Limits(max_seconds=-1))
    with pytest.raises(ExtractionError, match="larger than"):
        extract_text(three_pages, limits=Limits(max_bytes=100))
    with pytest.raises(ExtractionError, match="more text than can be analysed"):
        extract_text(pdf_bytes("x" * 50), limits=Limits(max_characters=10))
    with pytest.raises(ExtractionError, match="more text than can be analysed"):
        extract_text(docx_bytes(paragraphs=["x" * 50]), limits=Limits(max_characters=10))


def test_a_pdf_without_text_gives_empty_text():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    assert extract_text(out.getvalue()) == ""


def test_deeply_nested_or_oddly_encoded_xml_is_a_clear_error():
    deep = "<w:r>" * 5000 + "<w:t>x</w:t>" + "</w:r>" * 5000
    with pytest.raises(ExtractionError, match="nested too deeply"):
        extract_text(_docx(f"<w:p>{deep}</w:p>"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "word/document.xml", '<?xml version="1.0" encoding="no-such-encoding"?><w:document/>'
        )
    with pytest.raises(ExtractionError, match="could not be read"):
        extract_text(buffer.getvalue())


def test_damaged_copies_of_real_files_never_crash():
    # Seeded: the same 400 damaged files every run.
    rng = random.Random(2026)
    originals = [pdf_bytes(REPORT), docx_bytes(paragraphs=["Recommendations", "1. Act."] * 10)]
    outcomes = set()
    for _ in range(400):
        damaged = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(damaged))
            roll = rng.random()
            if roll < 0.5:
                damaged[at] = rng.randrange(256)
            elif roll < 0.75:
                del damaged[at : at + rng.randint(1, 50)]
            else:
                damaged[at:at] = rng.randbytes(rng.randint(1, 20))
        try:
            extract_text(bytes(damaged))
            outcomes.add("read")
        except ExtractionError:
            outcomes.add("refused")
    assert outcomes == {"read", "refused"}
