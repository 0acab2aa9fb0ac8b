"""Keyset pagination for every API list: an opaque cursor, never an offset.

A cursor is the sort key of the last row a page showed, as URL-safe base64 of
a small JSON object tagged with the list it belongs to; the next page is the
rows strictly after that key. Unlike an offset it stays right while rows are
added in front (new reports arrive all the time) and costs one index range,
however deep the page. A cursor from another list, or one that was edited,
is refused naming the field `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query

from comity.core.errors import BadInput

__all__ = ["Cursor", "Limit", "decode_cursor", "encode_cursor", "keyset_page"]

T = TypeVar("T")

Cursor = Annotated[
    str | None,
    Query(max_length=512, description="`next_cursor` of the previous page; omit for the first"),
]
Limit = Annotated[int, Query(ge=1, le=200, description="rows per page (1 to 200)")]


def encode_cursor(kind: str, key: Sequence[Any]) -> str:
    raw = json.dumps({"k": kind, "v": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> list[Any] | None:
    """The sort key a cursor of list `kind` holds (None for the first page)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or data.get("k") != kind or not isinstance(data.get("v"), list):
        raise BadInput(
            f"cursor: not a cursor of this list ({kind}); pass next_cursor unchanged",
            field="cursor",
        )
    key: list[Any] = data["v"]
    return key


def keyset_page(
    kind: str, rows: Sequence[T], limit: int, key: Callable[[T], Sequence[Any]]
) -> tuple[list[T], str | None]:
    """The first `limit` of `rows` (fetched with limit + 1) and the next page's cursor."""
    shown = list(rows[:limit])
    more = len(rows) > limit and shown
    return shown, encode_cursor(kind, key(shown[-1])) if more else None
