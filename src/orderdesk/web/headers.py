"""Header values built from data: never a raw string that could end a header or fail to encode."""

from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]")


def content_disposition(disposition: str, filename: str) -> str:
    """``attachment`` or ``inline`` with ``filename``, as RFC 6266 says: an ASCII fallback
    (every other character ``_``) and the exact name as ``filename*=UTF-8''…`` (RFC 5987)."""
    fallback = _UNSAFE.sub("_", filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
