"""Every format path, on real files made here: encodings, PDF, DOCX, HTML, CSV, bad input."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from brief_bot.corpus import (
    SkipFile,
    decode_text,
    discover,
    is_document_path,
    load_bytes,
    load_document,
)
from brief_bot.corpus.office import rejoin_hyphenation

TEXT = "Café délégués – “quoted” naïve façade.\r\nSecond line.\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_text_encodings_are_detected(encoding: str) -> None:
    text = decode_text(TEXT.encode(encoding))
    assert "Café délégués" in text and "“quoted”" in text
    assert "\r" not in text and "Second line." in text


def test_latin1_text_is_detected() -> None:
    data = ("The naïve façade of the délégués was discussed at length in Genève. " * 5
            ).encode("latin-1")
    assert "naïve façade" in decode_text(data)


def test_binary_junk_behind_a_text_extension_is_refused() -> None:
    with pytest.raises(SkipFile, match="binary"):
        load_bytes("notes.txt", b"\x00\x01\x02PK\x03\x04" * 100)
    with pytest.raises(SkipFile, match="binary|undecodable"):
        load_bytes("junk.txt", bytes(range(1, 32)) * 200)


def test_empty_and_unsupported_files() -> None:
    with pytest.raises(SkipFile, match="empty"):
        load_bytes("empty.md", b"  \n ")
    with pytest.raises(SkipFile, match=r"unsupported type \(\.xlsx\)"):
        load_bytes("sheet.xlsx", b"PK\x03\x04 anything")
    with pytest.raises(SkipFile, match="unsupported type"):
        load_bytes("blob.xyz", b"\x00\xff\x00\xfe" * 50)


def test_unknown_text_file_is_read_as_text() -> None:
    parsed = load_bytes("notes.rst", b"Council meets every year.\n")
    assert parsed.sections[0].text == "Council meets every year."


def test_markdown_front_matter_and_heading_paths(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("---\ntitle: A briefing\ndoc_type: briefing\nforum: [PP-14, Council]\n"
                    "status: agreed\ndate: 2014-09-01\naudience: internal\n---\n"
                    "# A briefing\n\n## Outcomes\n\n### Elections\n\nHoulin Zhao was elected.\n",
                    encoding="utf-8")
    doc = load_document(path, "doc.md")
    chunk = doc.chunks[0]
    assert doc.meta.title == "A briefing" and doc.meta.forum == ("PP-14", "Council")
    assert doc.meta.date == "2014-09-01" and doc.meta.audience == "internal"
    assert chunk.section == "Outcomes > Elections" and chunk.text == "Houlin Zhao was elected."
    assert not doc.warnings


def test_broken_front_matter_indexes_the_body_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: [unclosed\nstatus: agreed\n---\n# Real title\n\nBody text here.\n")
    doc = load_document(path, "broken.md")
    assert doc.meta.title == "Real title" and doc.meta.status == "unspecified"
    assert any("broken front matter" in w for w in doc.warnings)
    assert "Body text here." in doc.chunks[0].text


def test_sidecar_metadata_applies_to_any_format(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("The Council meets every year.\n")
    (tmp_path / "notes.txt.meta.yaml").write_text("title: Council notes\ndoc_type: report\n"
                                                  "status: draft\nforum: Council\n")
    doc = load_document(tmp_path / "notes.txt", "notes.txt")
    assert (doc.meta.title, doc.meta.doc_type, doc.meta.status) == ("Council notes", "report",
                                                                    "draft")
    assert doc.meta.forum == ("Council",)


def test_html_drops_scripts_styles_and_navigation_keeps_headings() -> None:
    html = (b"<html><head><title>Page</title><style>p{color:red}</style></head><body>"
            b"<nav>Home | About</nav><h1>Main</h1><h2>Part</h2><p>Kept text here.</p>"
            b"<script>alert('x')</script><footer>Copyright</footer></body></html>")
    parsed = load_bytes("page.html", html)
    text = " ".join(s.text for s in parsed.sections)
    assert parsed.title == "Page" and "Kept text here." in text
    assert "alert" not in text and "Home" not in text and "color" not in text
    assert parsed.sections[0].heading == ("Main", "Part")


def test_html_inside_markdown_is_cleaned() -> None:
    data = b"---\ntitle: T\n---\n<div class='x'><p>Para one.</p><script>bad()</script></div>\n"
    parsed = load_bytes("mixed.md", data)
    text = parsed.sections[0].text
    assert "Para one." in text and "bad()" not in text and "<div" not in text


def test_csv_rows_become_readable_lines() -> None:
    data = "event,year,place\nWCIT-12,2012,Dubai\nPP-14,2014,Busan\n".encode("cp1252")
    parsed = load_bytes("events.csv", data)
    assert parsed.sections[0].text.splitlines() == [
        "event: WCIT-12; year: 2012; place: Dubai.", "event: PP-14; year: 2014; place: Busan."]


def _pdf(pages: list[list[str]], *, password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Lessons from WCIT-12")
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.set_font("Helvetica", size=12)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_pages_and_hyphenation(tmp_path: Path) -> None:
    data = _pdf([["The International Telecommunication", "Regulations were revised in Dubai."],
                 ["The telecommunication regu-", "lations entered into force in 2015."]])
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    doc = load_document(path, "report.pdf")
    assert doc.meta.title == "Lessons from WCIT-12"
    pages = {c.page for c in doc.chunks}
    assert pages == {1, 2}
    page2 = next(c for c in doc.chunks if c.page == 2)
    assert "regulations entered into force" in page2.text


def test_hyphen_before_capital_is_kept() -> None:
    assert rejoin_hyphenation("multi-\nstakeholder") == "multistakeholder"
    assert rejoin_hyphenation("Asia-\nPacific") == "Asia-\nPacific"


def test_bad_pdfs_are_skipped_with_a_reason() -> None:
    good = _pdf([["Some text on a page."]])
    with pytest.raises(SkipFile, match="encrypted PDF"):
        load_bytes("locked.pdf", _pdf([["Secret text."]], password="s3cret"))
    with pytest.raises(SkipFile, match="corrupt PDF"):
        load_bytes("broken.pdf", good[: len(good) // 3])
    with pytest.raises(SkipFile, match="corrupt PDF"):
        load_bytes("fake.pdf", b"this is not a pdf at all, only text pretending")
    with pytest.raises(SkipFile, match="no extractable text"):
        load_bytes("blank.pdf", _pdf([[]]))


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "Delegation guide"
    document.add_heading("Delegation guide", level=1)
    document.add_heading("Routes", level=2)
    document.add_paragraph("Civil society can join a national delegation.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "route", "cost"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Academia", "1/16 unit"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_headings_paragraphs_and_tables() -> None:
    parsed = load_bytes("guide.docx", _docx())
    assert parsed.title == "Delegation guide"
    section = parsed.sections[0]
    assert section.heading == ("Delegation guide", "Routes")
    assert "Civil society can join a national delegation." in section.text
    assert "route: Academia; cost: 1/16 unit." in section.text


def test_corrupt_docx_is_skipped() -> None:
    with pytest.raises(SkipFile, match="corrupt DOCX"):
        load_bytes("broken.docx", _docx()[:500])


def test_hidden_lock_and_sidecar_files_are_not_documents(tmp_path: Path) -> None:
    for name in ("a.md", ".hidden.md", "~$guide.docx", "a.md.meta.yaml", ".git/x.md", "b.md~"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert [s for s, _ in discover(tmp_path)] == ["a.md"]
    assert not is_document_path(Path("sub/.cache/x.txt"))


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000)
    with pytest.raises(SkipFile, match="over the size limit"):
        load_document(path, "big.txt", max_bytes=100)
