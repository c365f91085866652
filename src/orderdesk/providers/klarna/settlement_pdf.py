"""Klarna's settlement PDFs: one payout (``/reports/payout``) or a period's payouts
(``/reports/payouts-summary``), their totals and transactions (``web/pdf.py``). The same
payouts give the same bytes on every fetch: the document's date is the last payout's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from fpdf import FPDF

from orderdesk.domain.money import exponent, grouped_string
from orderdesk.domain.settlement import Settlement, Transaction
from orderdesk.web.pdf import document, latin1, table


def _money(minor: int, currency: str) -> str:
    return f"{currency} {grouped_string(minor, exponent(currency))}"


def _row(pdf: FPDF, label: str, value: str) -> None:
    pdf.cell(55, 6, label)
    pdf.cell(0, 6, latin1(value), new_x="LMARGIN", new_y="NEXT")


def _payout(pdf: FPDF, item: Settlement, txs: Sequence[Transaction]) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 9, latin1(f"Payout {item.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    _row(pdf, "Merchant id", item.store_id)
    _row(pdf, "Payout date", item.created_at.date().isoformat())
    _row(pdf, "Sales", _money(item.captured, item.currency))
    _row(pdf, "Returns", _money(-item.refunded, item.currency))
    _row(pdf, "Fees", _money(0, item.currency))
    _row(pdf, "Settlement amount", _money(item.payout, item.currency))
    pdf.ln(2)
    table(
        pdf,
        (24, 18, 70, 36, 40),
        ("Date", "Type", "Order id", "Reference", "Amount"),
        (
            (
                tx.created_at.astimezone(UTC).date().isoformat(),
                "RETURN" if tx.kind == "refund" else "SALE",
                tx.order_id,
                (tx.reference or "")[:20],
                _money(tx.amount, tx.currency),
            )
            for tx in txs
        ),
        size=9,
    )
    pdf.ln(4)


def render_payouts(
    title: str, payouts: Sequence[tuple[Settlement, Sequence[Transaction]]]
) -> bytes:
    """A PDF titled ``title`` of each payout (at least one) with its transactions."""
    pdf = document(title, max(item.created_at for item, _ in payouts))
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, latin1(title), new_x="LMARGIN", new_y="NEXT")
    for item, txs in payouts:
        _payout(pdf, item, txs)
    return bytes(pdf.output())
