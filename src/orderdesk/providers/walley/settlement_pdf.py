"""A Walley settlement's PDF: its totals and every transaction, on fpdf2 as the invoice
PDFs (``invoices/pdf.py``, a layer above the providers) are.

The same settlement gives the same bytes on every fetch: the document's date is the
settlement's.
"""

from __future__ import annotations

from datetime import UTC

from fpdf import FPDF

from orderdesk.domain.money import exponent, grouped_string
from orderdesk.domain.settlement import Settlement, Transaction


def _latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1; anything else is replaced rather than crashing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def render_settlement(item: Settlement, txs: list[Transaction]) -> bytes:
    exp = exponent(item.currency)

    def money(minor: int) -> str:
        return f"{item.currency} {grouped_string(minor, exp)}"

    pdf = FPDF()
    pdf.set_title(f"Settlement {item.id}")
    pdf.set_creator("orderdesk")
    pdf.set_creation_date(item.created_at)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, "Settlement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for label, value in (
        ("Settlement", item.id),
        ("Store", item.store_id),
        ("Period", item.day.isoformat()),
        ("Paid out", item.created_at.date().isoformat()),
        ("Reference", item.reference),
        ("Captured", money(item.captured)),
        ("Refunded", money(-item.refunded)),
        ("Fees", money(0)),
        ("Payout", money(item.payout)),
    ):
        pdf.cell(45, 6, label)
        pdf.cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (24, 22, 48, 50, 40)
    pdf.set_font("Helvetica", "B", 10)
    for width, title in zip(
        widths, ("Date", "Type", "Order number", "Invoice number", "Amount"), strict=True
    ):
        pdf.cell(width, 7, title, border="B")
    pdf.ln()
    pdf.set_font("Helvetica", size=10)
    for tx in txs:
        cells = (
            tx.created_at.astimezone(UTC).date().isoformat(),
            "Return" if tx.kind == "refund" else "Purchase",
            _latin1(tx.reference)[:24],
            tx.invoice_number,
            money(tx.amount),
        )
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 6, text)
        pdf.ln()
    return bytes(pdf.output())
