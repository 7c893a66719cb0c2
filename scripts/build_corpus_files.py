"""Build the binary corpus documents (PDF and DOCX) from their Markdown sources.

The starter corpus needs a PDF and a DOCX so that the loaders for those formats are exercised
on realistic documents. Binary files are hard to review in git, so the text lives in
scripts/corpus_sources/*.md and this script regenerates the binaries and their sidecar
metadata files (*.meta.yaml), which carry the front matter that a PDF or DOCX cannot.

Run from anywhere:  python scripts/build_corpus_files.py
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from fpdf.enums import XPos, YPos

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "corpus_sources"
REPORTS = ROOT / "corpus" / "reports"

PDF_TITLE = "Lessons from WCIT-12 for civil society engagement"
DOCX_TITLE = "Joining a national delegation: a guide for BB staff"

# Fixed document dates: the binaries are rebuilt often, and embedding "now" would make every
# rebuild a spurious git change. These match the `date` in the sidecar metadata.
PDF_DATE = datetime(2014, 5, 15, tzinfo=UTC)
DOCX_DATE = datetime(2014, 10, 15, tzinfo=UTC)

# fpdf2's core fonts (Helvetica) only cover Latin-1; typographic punctuation from editors
# would raise an encoding error, so it is mapped to plain ASCII first.
ASCII_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2022": "-",
}

BULLET_RE = re.compile(r"^[-*]\s+(.*)$")
NUMBERED_RE = re.compile(r"^(\d+)\.\s+(.*)$")
BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


@dataclass
class Block:
    """One block of the Markdown source, in document order."""

    kind: str  # "title" | "heading" | "paragraph" | "bullet" | "numbered" | "table"
    text: str = ""
    number: int = 0
    rows: list[list[str]] = field(default_factory=list)


def to_latin1(text: str) -> str:
    """Make text safe for fpdf2's core fonts."""
    for char, replacement in ASCII_REPLACEMENTS.items():
        text = text.replace(char, replacement)
    # Anything still outside Latin-1 becomes "?" rather than crashing the build.
    return text.encode("latin-1", errors="replace").decode("latin-1")


def strip_bold(text: str) -> str:
    """Drop Markdown bold markers; the PDF sets emphasis through headings only."""
    return BOLD_RE.sub(r"\1", text)


def parse_table(lines: list[str]) -> list[list[str]]:
    """Split Markdown table lines into cells, skipping the |---| separator row."""
    rows: list[list[str]] = []
    for line in lines:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells):
            continue
        rows.append(cells)
    return rows


def parse_markdown(source: str) -> list[Block]:
    """Parse the small Markdown subset the corpus sources use.

    A full Markdown parser would be overkill: the sources use only headings, paragraphs,
    bullet and numbered lists (one line per item) and one pipe table.
    """
    blocks: list[Block] = []
    paragraph: list[str] = []
    table: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()
        if table:
            blocks.append(Block("table", rows=parse_table(table)))
            table.clear()

    for raw in source.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("|"):
            if paragraph:
                flush()
            table.append(line)
            continue
        if table:
            flush()
        if line.startswith("# "):
            flush()
            blocks.append(Block("title", line[2:].strip()))
        elif line.startswith("## "):
            flush()
            blocks.append(Block("heading", line[3:].strip()))
        elif match := BULLET_RE.match(line):
            flush()
            blocks.append(Block("bullet", match.group(1)))
        elif match := NUMBERED_RE.match(line):
            flush()
            blocks.append(Block("numbered", match.group(2), number=int(match.group(1))))
        else:
            paragraph.append(line)
    flush()
    return blocks


class ReportPDF(FPDF):
    """FPDF with a page-number footer, so printed pages can be cited by number."""

    def footer(self) -> None:
        # The title page carries no number, as in a printed report.
        if self.page_no() == 1:
            return
        self.set_y(-15)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 10, f"Page {self.page_no()}", align="C")


def build_pdf(source: Path, target: Path) -> int:
    """Render the WCIT lessons report as a PDF; return the page count."""
    blocks = parse_markdown(source.read_text(encoding="utf-8"))
    title = next((b.text for b in blocks if b.kind == "title"), PDF_TITLE)

    pdf = ReportPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(PDF_TITLE)
    pdf.set_author("BB")
    pdf.set_subject("BB report on civil society engagement at WCIT-12, with lessons for PP-14")
    pdf.set_creator("scripts/build_corpus_files.py")
    pdf.set_creation_date(PDF_DATE)

    # Title page: kept apart from the body so the report reads like a printed document.
    pdf.add_page()
    pdf.set_y(90)
    pdf.set_font("Helvetica", "B", 22)
    pdf.multi_cell(0, 11, to_latin1(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 13)
    pdf.multi_cell(0, 8, "A BB report", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(0, 8, "May 2014", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.add_page()
    for block in blocks:
        text = to_latin1(strip_bold(block.text))
        if block.kind == "title":
            continue  # already on the title page
        if block.kind == "heading":
            pdf.ln(4)
            pdf.set_font("Helvetica", "B", 14)
            pdf.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
        elif block.kind in ("bullet", "numbered"):
            marker = "-" if block.kind == "bullet" else f"{block.number}."
            pdf.set_font("Helvetica", "", 11)
            pdf.set_x(pdf.l_margin + 4)
            pdf.cell(6, 6, marker)
            # Indented hanging text so wrapped lines align under the first word.
            pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
        elif block.kind == "paragraph":
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(3)
        elif block.kind == "table":
            raise ValueError("tables are not supported in the PDF source")

    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return pdf.page_no()


def add_runs(paragraph: Paragraph, text: str) -> None:
    """Add text to a Word paragraph, turning **bold** spans into bold runs."""
    position = 0
    for match in BOLD_RE.finditer(text):
        if match.start() > position:
            paragraph.add_run(text[position : match.start()])
        paragraph.add_run(match.group(1)).bold = True
        position = match.end()
    if position < len(text):
        paragraph.add_run(text[position:])


def add_table(document: DocxDocument, rows: list[list[str]]) -> None:
    """Add a Markdown table as a real Word table (header row in bold)."""
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c in range(width):
            cell = table.cell(r, c)
            cell.text = ""
            run = cell.paragraphs[0].add_run(strip_bold(row[c]) if c < len(row) else "")
            run.bold = r == 0


def build_docx(source: Path, target: Path) -> None:
    """Render the national delegation guide as a DOCX."""
    blocks = parse_markdown(source.read_text(encoding="utf-8"))
    document = Document()

    properties = document.core_properties
    properties.title = DOCX_TITLE
    properties.author = "BB"
    properties.subject = "How BB staff can join a national delegation to ITU conferences"
    properties.created = DOCX_DATE
    properties.modified = DOCX_DATE
    properties.last_modified_by = "BB"

    for block in blocks:
        if block.kind == "title":
            document.add_heading(block.text, level=1)
        elif block.kind == "heading":
            document.add_heading(block.text, level=2)
        elif block.kind == "paragraph":
            add_runs(document.add_paragraph(), block.text)
        elif block.kind == "bullet":
            add_runs(document.add_paragraph(style="List Bullet"), block.text)
        elif block.kind == "numbered":
            add_runs(document.add_paragraph(style="List Number"), block.text)
        elif block.kind == "table":
            add_table(document, block.rows)

    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))


def write_sidecar(target: Path, fields: dict[str, str]) -> None:
    """Write the *.meta.yaml sidecar that gives a binary document its front matter."""
    lines = [f"{key}: {value}" for key, value in fields.items()]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    pdf_path = REPORTS / "wcit-lessons-learned.pdf"
    pages = build_pdf(SOURCES / "wcit-lessons-learned.md", pdf_path)
    write_sidecar(
        pdf_path.with_name(pdf_path.name + ".meta.yaml"),
        {
            "title": f'"{PDF_TITLE}"',
            "doc_type": "report",
            "forum": "[WCIT-12, PP-14]",
            "status": "agreed",
            "date": PDF_DATE.date().isoformat(),
            "audience": "public",
        },
    )
    print(f"wrote {pdf_path.relative_to(ROOT)} ({pages} pages)")

    docx_path = REPORTS / "national-delegation-guide.docx"
    build_docx(SOURCES / "national-delegation-guide.md", docx_path)
    write_sidecar(
        docx_path.with_name(docx_path.name + ".meta.yaml"),
        {
            "title": f'"{DOCX_TITLE}"',
            "doc_type": "background",
            "forum": "[PP-14, WTDC-14]",
            "status": "agreed",
            "date": DOCX_DATE.date().isoformat(),
            "audience": "internal",
        },
    )
    print(f"wrote {docx_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
