"""Invoice PDFs for captured chunks and credit notes for refunded ones, rendered on request
from the order's state (fpdf2).

An invoice shows the customer it was issued to (kept on the chunk), not today's.
"""

from __future__ import annotations

from orderdesk.domain.money import exponent, grouped_string
from orderdesk.domain.order import Chunk, Order
from orderdesk.web.pdf import document, latin1, table


def render_invoice(order: Order, chunk: Chunk, document_reference: str) -> bytes:
    credit = any(chunk is refunded for refunded in order.refunded)
    title = "Credit note" if credit else "Invoice"
    exp = exponent(order.currency)

    def money(minor: int) -> str:
        return f"{order.currency} {grouped_string(minor, exp)}"

    pdf = document(f"{title} {document_reference}", chunk.created_at)  # same bytes every fetch
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    customer = chunk.customer if chunk.customer is not None else order.customer
    name = customer.get("companyName") or " ".join(
        part for part in (customer.get("firstName"), customer.get("lastName")) if part
    )
    credited = next((c for c in order.captured if c.ledger_id == chunk.refunds), None)
    for label, value in (
        (f"{title} number", document_reference),
        ("Credits invoice", "" if credited is None else credited.ledger_id),
        ("Order", order.id),
        ("Merchant reference", order.merchant_reference),
        ("Store", order.store_id),
        ("Date", chunk.created_at.date().isoformat()),
        ("Customer", name),
        ("Description", chunk.description or ""),
        ("Note", chunk.note),
    ):
        if value:
            pdf.cell(45, 6, label)
            pdf.cell(0, 6, latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (70, 16, 30, 18, 30)
    table(
        pdf,
        widths,
        ("Item", "Qty", "Unit price", "VAT", "Total"),
        (
            (
                (line.description or line.reference)[:40],
                str(line.quantity),
                money(line.unit_price if line.unit_price is not None else line.total_amount),
                f"{line.vat / 100:g} %",
                money(line.total_amount),
            )
            for line in chunk.lines
        ),
    )
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    for label, minor in (
        ("Total excl. VAT", chunk.total - chunk.total_vat),
        ("VAT", chunk.total_vat),
        ("Total", chunk.total),
    ):
        pdf.cell(sum(widths[:-1]), 6, label, align="R")
        pdf.cell(widths[-1], 6, money(minor), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
