"""An issued invoice keeps the customer it was issued to (issue 9's fourth bug)."""

from orderdesk.domain.order import CaptureMeta, document_reference
from orderdesk.invoices.pdf import render_invoice
from orderdesk.providers.ledyer import rules as ledyer
from tests.support.orders import NOW, cline, make_order
from tests.support.pdf import pdf_text


def test_editing_the_customer_leaves_issued_invoices_alone() -> None:
    order = make_order([cline("S20", 2, 100000)], provider="ledyer")
    order.customer = {"firstName": "Ada", "lastName": "Lovelace"}
    first = ledyer.partial_capture(order, [cline("S20", 1, 100000)], 100000, CaptureMeta(), NOW)
    issued = render_invoice(order, first, document_reference(1, 1))
    assert "Ada Lovelace" in pdf_text(issued)

    ledyer.edit_customer(order, {"firstName": "Grace", "lastName": "Hopper"}, NOW)
    again = render_invoice(order, first, document_reference(1, 1))
    assert "Ada Lovelace" in pdf_text(again)
    assert "Grace" not in pdf_text(again)
    assert pdf_text(again) == pdf_text(issued)

    # a capture issued after the edit is invoiced to the new customer
    second = ledyer.partial_capture(order, [cline("S20", 1, 100000)], 100000, CaptureMeta(), NOW)
    text = pdf_text(render_invoice(order, second, document_reference(1, 2)))
    assert "Grace Hopper" in text and "Ada" not in text
    assert first.customer == {"firstName": "Ada", "lastName": "Lovelace"}
    assert second.customer == {"firstName": "Grace", "lastName": "Hopper"}
