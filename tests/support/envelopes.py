"""Reading the error code out of a dialect's envelope: out of either, or out of one whose
status and shape are checked on the way."""

from __future__ import annotations

import httpx


def error_code(r: httpx.Response) -> str:
    """Walley ``{"error": {"errors": [{"reason"}]}}``, Ledyer ``{"errors": [{"code"}]}``, or
    an envelope with a top-level ``{"error_code"}``."""
    body = r.json()
    if "error_code" in body:
        top: str = body["error_code"]
        return top
    if "error" in body:
        reason: str = body["error"]["errors"][0]["reason"]
        return reason
    code: str = body["errors"][0]["code"]
    return code


def walley_code(r: httpx.Response, status: int) -> str:
    """The reason of a Walley error: ``{"id", "error": {"code", "message", "errors"}}``."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"id", "error"} and body["error"]["code"] == status, body
    [error] = body["error"]["errors"]
    assert set(error) == {"reason", "message"}, body
    reason: str = error["reason"]
    return reason


def ledyer_code(r: httpx.Response, status: int) -> str:
    """The code of a Ledyer error: ``{"errors": [{"message", "code", "field"?}]}``."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"errors"}, body
    [error] = body["errors"]
    assert {"message", "code"} <= set(error) <= {"message", "code", "field"}, body
    code: str = error["code"]
    return code
