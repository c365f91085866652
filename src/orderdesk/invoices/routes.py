"""``GET /invoices/{orderId}/{ledgerId}.pdf``: the signed ``documentUrl`` of a capture (an
invoice) or of a refund (a credit note)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from typing_extensions import TypedDict

from orderdesk.domain.order import document_reference
from orderdesk.invoices.links import check_signature
from orderdesk.invoices.pdf import render_invoice
from orderdesk.store import orders
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.headers import content_disposition

router = APIRouter(tags=["Invoices"])


class InvoiceProblem(TypedDict):
    code: int
    message: str


class InvoiceError(TypedDict):
    """A link refused: ``code`` is the HTTP status."""

    error: InvoiceProblem


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF"},
    # The app's validation answer, in its default envelope: the sandbox's, which its own routes
    # put in the components (named, not imported: the sandbox depends on this package through
    # the providers).
    400: {
        "description": "Expires or Signature missing or malformed",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SandboxError"}}},
    },
    403: {"model": InvoiceError, "description": "The signature is not this link's"},
    404: {"model": InvoiceError, "description": "No such capture or refund"},
    410: {"model": InvoiceError, "description": "The link has expired"},
}


def _problem(status: int, message: str) -> Response:
    body: InvoiceError = {"error": {"code": status, "message": message}}
    return to_response(json_answer(body, status))


@router.get(
    "/invoices/{orderId}/{ledgerId}.pdf",
    summary="Invoice PDF of one capture, or credit note of one refund (the signed documentUrl)",
    response_class=Response,
    responses=RESPONSES,
)
async def invoice_pdf(
    request: Request,
    order_id: Annotated[str, Path(alias="orderId")],
    ledger_id: Annotated[str, Path(alias="ledgerId")],
    expires: Annotated[int, Query(alias="Expires")],
    signature: Annotated[str, Query(alias="Signature", max_length=100)],
) -> Response:
    problem = check_signature(request.app.state.link_key, order_id, ledger_id, expires, signature)
    if problem == "expired":
        return _problem(410, "This invoice link has expired; GET the order for a fresh one")
    if problem is not None:
        return _problem(403, "This invoice link is not valid")
    async with request.app.state.pool.acquire() as conn:
        found = await orders.get(conn, order_id)
    chunk = found.order.find_chunk(ledger_id) if found else None
    if found is None or chunk is None or chunk.document_number == 0:
        return _problem(404, "No such invoice")
    number = document_reference(found.seq, chunk.document_number)
    pdf = render_invoice(found.order, chunk, number)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": content_disposition("inline", f"invoice-{ledger_id}.pdf")},
    )
