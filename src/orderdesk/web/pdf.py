"""What every PDF orderdesk answers shares (invoices, settlement reports): fpdf2's core fonts,
a document dated by its data so the same data gives the same bytes, and a table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from fpdf import FPDF


def latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1; anything else is replaced rather than crashing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def document(title: str, dated: datetime) -> FPDF:
    """A one-page document titled ``title`` whose creation date is ``dated``, not now."""
    pdf = FPDF()
    pdf.set_title(latin1(title))
    pdf.set_creator("orderdesk")
    pdf.set_creation_date(dated)
    pdf.add_page()
    return pdf


def table(
    pdf: FPDF,
    widths: Sequence[int],
    titles: Sequence[str],
    rows: Iterable[Sequence[str]],
    size: int = 10,
) -> None:
    """Column titles in bold over a rule, then a line per row (cells cut to their column)."""
    pdf.set_font("Helvetica", "B", 10)
    for width, title in zip(widths, titles, strict=True):
        pdf.cell(width, 7, title, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", size=size)
    for row in rows:
        for width, text in zip(widths, row, strict=True):
            pdf.cell(width, 6, latin1(text))
        pdf.ln()
