"""Reading the error code out of either dialect's envelope."""

from __future__ import annotations

import httpx


def error_code(r: httpx.Response) -> str:
    """Walley ``{"error": {"errors": [{"reason"}]}}`` or Ledyer ``{"errors": [{"code"}]}``."""
    body = r.json()
    if "error" in body:
        reason: str = body["error"]["errors"][0]["reason"]
        return reason
    code: str = body["errors"][0]["code"]
    return code
