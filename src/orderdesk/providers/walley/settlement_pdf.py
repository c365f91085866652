"""A Walley settlement's PDF: its totals and every transaction, on fpdf2 with the invoice
PDFs' helpers (``web/pdf.py``).

The same settlement gives the same bytes on every fetch: the document's date is the
settlement's.
"""

from __future__ import annotations

from datetime import UTC

from orderdesk.domain.money import exponent, grouped_string
from orderdesk.domain.settlement import Settlement, Transaction
from orderdesk.web.pdf import document, latin1, table


def render_settlement(item: Settlement, txs: list[Transaction]) -> bytes:
    exp = exponent(item.currency)

    def money(minor: int) -> str:
        return f"{item.currency} {grouped_string(minor, exp)}"

    pdf = document(f"Settlement {item.id}", item.created_at)
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
        pdf.cell(0, 6, latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    table(
        pdf,
        (24, 22, 48, 50, 40),
        ("Date", "Type", "Order number", "Invoice number", "Amount"),
        (
            (
                tx.created_at.astimezone(UTC).date().isoformat(),
                "Return" if tx.kind == "refund" else "Purchase",
                tx.reference[:24],
                tx.invoice_number,
                money(tx.amount),
            )
            for tx in txs
        ),
    )
    return bytes(pdf.output())
