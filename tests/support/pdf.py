"""Reading back what an invoice PDF shows."""

from __future__ import annotations

import re
import zlib


def pdf_text(pdf: bytes) -> str:
    """The text fpdf2 drew: the ``(…) Tj`` strings of every (deflated) content stream."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        shown += re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content)
    return "\n".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for s in shown)
