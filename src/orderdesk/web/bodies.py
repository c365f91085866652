"""Request bodies as JSON: strictly typed, no NUL, no key twice; a malformed body is a 400
that names the first bad field."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from orderdesk.domain.errors import invalid

M = TypeVar("M", bound=BaseModel)
# ``\u0000`` whose backslash is not itself escaped (``\\u0000`` is the six characters).
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(model: type[M], body: bytes) -> M:
    """Validate ``body`` as ``model``; a malformed body is a 400 naming the first bad field.

    A string with ``\\u0000`` is malformed too: PostgreSQL text cannot hold NUL.
    """
    if _NUL_ESCAPE.search(body):
        raise invalid("Strings may not contain NUL (\\u0000)")
    _refuse_duplicate_keys(body)
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = _where(tuple(first["loc"]))
        message = f"{where}: {first['msg']}" if where else str(first["msg"])
        raise invalid(message, where or None) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise invalid(f"{key} appears twice in one object", key)
        out[key] = value
    return out


def _refuse_duplicate_keys(body: bytes) -> None:
    """A key twice in one object is malformed (the last value would win silently)."""
    if body.count(b'"') < 4:  # not even two keys
        return
    try:
        json.loads(body, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        return  # not JSON at all: the model's parser says why
