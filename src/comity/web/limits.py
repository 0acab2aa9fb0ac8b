"""Bounds on every user-supplied parameter, so that no value reaches the database or
the date arithmetic unchecked (issue 13: `to=9999-12-31` and ids of 2**63 gave 500s).

A value out of bounds is a 400 on the pages (the error page, in the reader's
language) and a 422 on the API, naming the field; never a 500.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Form, Path, Request

from comity.core.errors import BadInput

__all__ = [
    "MAX_AGE_DAYS",
    "MAX_DAY",
    "MAX_ID",
    "MAX_PAGE",
    "MIN_DAY",
    "FormId",
    "Id",
    "parse_day",
    "refuse_control_characters",
]

# Every id column is an SQL INTEGER: PostgreSQL refuses a larger number with
# "integer out of range" and SQLite's driver with OverflowError.
MAX_ID = 2**31 - 1
# A century of age is older than any report; beyond about 739,000 days the
# date arithmetic itself overflows.
MAX_AGE_DAYS = 36_500
# 200 items a page over 100,000 pages is 20 million items; larger offsets overflow.
MAX_PAGE = 100_000
# Dates the application reasons about: year 0 does not exist, and 9999-12-31
# overflows as soon as a day is added to close a period.
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2999, 12, 31)

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="an id (1 to 2**31-1)")]
FormId = Annotated[int, Form(ge=1, le=MAX_ID)]

# C0 controls and DEL, tab excepted: PostgreSQL refuses NUL in text, and none
# belongs in a filter, a name or an address. A form's text may also hold line
# breaks (notes and reasons are textareas).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_IN_FORM = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def parse_day(value: str, field: str) -> date:
    """An ISO date (YYYY-MM-DD) between MIN_DAY and MAX_DAY; BadInput naming `field`."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field) from None
    if not MIN_DAY <= day <= MAX_DAY:
        raise BadInput(f"{field}: {value} is out of range ({MIN_DAY} to {MAX_DAY})", field=field)
    return day


async def refuse_control_characters(request: Request) -> None:
    """An application-wide dependency: no control character in the query, the path or
    a form's text fields.

    Checked once here rather than in each view, so that no filter, code,
    reference or note can carry a NUL to PostgreSQL (a 500 before issue 13).
    The form was already read, authenticated and bounded (BoundedBodies, then
    FastAPI parses it before any dependency runs), so nothing more is read here.
    """
    for name, value in request.query_params.multi_items():
        _check(name, value, _CONTROL)
    for name, value in request.path_params.items():
        if isinstance(value, str):
            _check(name, value, _CONTROL)
    if request.headers.get("content-type", "").startswith(_FORMS):
        for key, item in (await request.form()).multi_items():
            if isinstance(item, str):  # not an uploaded file: those are read as files
                _check(key, item, _CONTROL_IN_FORM)


def _check(name: str, value: str, pattern: re.Pattern[str]) -> None:
    if _CONTROL.search(name) or pattern.search(value):
        shown = _CONTROL.sub("?", name)
        raise BadInput(f"{shown}: control characters are not allowed", field=shown)
