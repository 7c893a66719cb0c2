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


# --- nothing dropped without a line saying so (issue 16) ---------------------------------------

MD_PROSE = """# Site notes

Our web team asked whether the page uses a <nav> element, and whether a <script> tag loads
the counter. Both stay in the text, as does Vec<String> and <https://itu.int/en/pp-14>.

Code keeps its brackets: `<nav>` and `</nav>` are tags, `a &amp; b` an entity.

## Budget

The budget for the Busan meeting is 12,000 francs, approved by the board in March.
"""


def test_html_tags_in_markdown_prose_are_text() -> None:
    """A Markdown file mentioning <nav> or <script> lost everything after it, silently."""
    parsed = load_bytes("site-notes.md", MD_PROSE.encode())
    text = "\n".join(s.text for s in parsed.sections)
    assert [s.heading for s in parsed.sections] == [("Site notes",), ("Site notes", "Budget")]
    assert "12,000 francs, approved by the board" in text
    for kept in ("a <nav> element", "a <script> tag", "Vec<String>",
                 "<https://itu.int/en/pp-14>", "`<nav>` and `</nav>`", "`a &amp; b`"):
        assert kept in text, kept
    assert parsed.warnings == ()


def test_what_the_html_converter_leaves_out_is_a_warning_naming_its_section() -> None:
    html = (b"<h1>Report</h1><p>Opening.</p><h2>Budget</h2><aside>Twelve thousand francs "
            b"approved in March</aside><p>Closing.</p>")
    parsed = load_bytes("report.html", html)
    assert parsed.warnings == ("left out a <aside> block of 6 words in section 'Budget' (page "
                               "navigation or furniture)",)


def _pdf_with_blank_page() -> bytes:
    return _pdf([["Readable first page."], [], ["Readable third page."]])


def test_pdf_pages_without_text_are_a_warning() -> None:
    parsed = load_bytes("scan.pdf", _pdf_with_blank_page())
    assert [s.page for s in parsed.sections] == [1, 3]
    assert parsed.warnings == ("no text could be read on 1 of 3 pages (page 2: blank, scanned "
                               "or images?)",)


def _docx_with_content_control() -> bytes:
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_heading("Cover", level=1)
    inside = document.add_paragraph("Prepared for the Plenipotentiary delegation in Busan.")
    wrapper, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    inside._p.addprevious(wrapper)
    wrapper.append(content)
    content.append(inside._p)
    document.add_paragraph("After the control.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_content_controls_are_read() -> None:
    text = "\n".join(s.text for s in load_bytes("cover.docx", _docx_with_content_control())
                     .sections)
    assert "Prepared for the Plenipotentiary delegation in Busan." in text
    assert "After the control." in text


def _with_footnote_and_header(data: bytes) -> bytes:
    """A DOCX with a footnote (written into the package by hand: python-docx has no API for
    them) and a page header."""
    import zipfile

    import docx

    document = docx.Document(io.BytesIO(data))
    document.sections[0].header.paragraphs[0].text = "Confidential draft for delegates"
    saved = io.BytesIO()
    document.save(saved)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    notes = (f'<w:footnotes xmlns:w="{w}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r>'
             '<w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>See '
             "the Council decision of 2013.</w:t></w:r></w:p></w:footnote></w:footnotes>")
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                part = part.replace(b"</Types>", b'<Override PartName="/word/footnotes.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument'
                                    b'.wordprocessingml.footnotes+xml"/></Types>')
            elif item.filename == "word/_rels/document.xml.rels":
                part = part.replace(b"</Relationships>", b'<Relationship Id="rIdNotes" Type="'
                                    b"http://schemas.openxmlformats.org/officeDocument/2006/"
                                    b'relationships/footnotes" Target="footnotes.xml"/>'
                                    b"</Relationships>")
            dst.writestr(item, part)
        dst.writestr("word/footnotes.xml", notes)
    return out.getvalue()


def test_docx_footnotes_are_read_and_headers_named() -> None:
    parsed = load_bytes("noted.docx", _with_footnote_and_header(_docx()))
    assert parsed.sections[-1].heading == ("Notes",)
    assert parsed.sections[-1].text == "See the Council decision of 2013."
    assert parsed.warnings == ("left out the page headers and footers (4 words)",)


def test_a_run_without_spaces_is_cut_at_the_window(tmp_path: Path) -> None:
    """A 6.5 MB "word" became one chunk, and the page's answer 6.5 MB."""
    from brief_bot.config import Settings
    from brief_bot.corpus import document_from
    from brief_bot.index.embedding import default_embedder

    settings = Settings()
    tokens = default_embedder(settings.model).count_tokens
    run = "Q" * 300_000
    path = tmp_path / "blob.md"
    path.write_text(f"# Blob\n\nSome prose first. {run} Some prose after.\n")
    doc = document_from(load_bytes("blob.md", path.read_bytes()), path, "blob.md",
                        chunk_size=settings.chunk_tokens, length=tokens,
                        overlap=settings.chunk_overlap_tokens, max_chunks=3000)
    assert len(doc.chunks) > 100
    assert max(len(c.text) for c in doc.chunks) <= settings.chunk_tokens * 12
    assert max(tokens(c.embed_text()) for c in doc.chunks) <= 256
    assert sum(c.text.count("Q") for c in doc.chunks) == len(run)
    assert "Some prose first." in doc.chunks[0].text and "prose after" in doc.chunks[-1].text
    assert any("runs of characters without spaces" in w for w in doc.warnings)


def test_chinese_utf16_without_a_byte_order_mark_is_read() -> None:
    """It was skipped as "binary content (NUL bytes)"."""
    text = "国际电信联盟全权代表大会于2014年在釜山举行。\n会议通过了关于互联网的决议。\n" * 3
    for encoding in ("utf-16-le", "utf-16-be"):
        parsed = load_bytes("notes-zh.txt", text.encode(encoding))
        assert parsed.sections[0].text == text.strip(), encoding
    with pytest.raises(SkipFile, match=r"NUL bytes, and not text in UTF-16 or UTF-32"):
        load_bytes("blob.txt", bytes(range(256)) * 40)


def _words(text: str) -> set[str]:
    import re

    return {w.lower() for w in re.findall(r"[^\W_]+", text)}


def test_every_word_of_each_format_is_indexed(tmp_path: Path) -> None:
    """Each format's test file, indexed: every distinct word of it is in the index, or in a
    block a warning names as left out."""
    from brief_bot.config import Settings
    from brief_bot.index import read_chunks, update
    from brief_bot.index.embedding import HashingEmbedder

    prose = ["Delegates from Quito reviewed spectrum plans.",
             "Observers asked about satellite orbits near Lagos.",
             "The secretariat circulated revised drafts before Tuesday."]
    files: dict[str, bytes] = {
        "notes.md": MD_PROSE.encode(),
        "notes.txt": "\n\n".join(prose).encode("utf-16-le"),
        "page.html": ("<html><head><title>Page words</title><script>x()</script></head><body>"
                      "<nav>Menu Home</nav><h1>Words</h1>" + "".join(f"<p>{p}</p>" for p in prose)
                      + "<p>Mentions a <header> tag in passing.</p></body></html>").encode(),
        "table.csv": ("speaker,remark\n" + "".join(f"Chair,{p}\n" for p in prose)).encode(),
        "pages.pdf": _pdf([[p] for p in prose]),
        "cover.docx": _docx_with_content_control(),
    }
    expected = {"notes.md": _words(MD_PROSE), "notes.txt": _words(" ".join(prose)),
                "page.html": _words("Page words Words Mentions a header tag in passing "
                                    + " ".join(prose)),
                "table.csv": _words("speaker remark Chair " + " ".join(prose)),
                "pages.pdf": _words(" ".join(prose) + " Lessons from WCIT-12"),
                "cover.docx": _words("Cover Prepared for the Plenipotentiary delegation in "
                                     "Busan After the control")}
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    settings = Settings(corpus=corpus, index=tmp_path / "indexes")
    report = update(settings.indexing, embedder=HashingEmbedder())
    assert report.skipped == []
    rows = read_chunks(settings.index / report.generation)
    warned = {w["source"]: w["warning"] for w in report.warnings}
    for name, words in expected.items():
        indexed = _words(" ".join(f"{r['title']} {r['section']} {r['text']}" for r in rows
                                  if r["source"] == name))
        assert words <= indexed, (name, sorted(words - indexed))
    assert warned == {"page.html": "left out a <nav> block of 2 words in section '(before the "
                                   "first heading)' (page navigation or furniture)"}
