"""Turning query strings and uploads into service arguments (shared by pages and API)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Engine

from comity.core.errors import BadInput
from comity.intake.service import import_file
from comity.web.limits import MAX_AGE_DAYS
from comity.web.worklist import ItemFilter

__all__ = ["filters_from", "import_upload", "int_param", "safe_next"]


def int_param(
    values: Mapping[str, str], name: str, default: int | None = None, *, maximum: int
) -> int | None:
    raw = (values.get(name) or "").strip()
    if not raw:
        return default
    # int() of thousands of digits is refused by Python itself (ValueError): still a 400.
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"{name}: {raw[:20]!r} is not a whole number", field=name) from None
    if not 0 <= value <= maximum:
        raise BadInput(f"{name}: must be between 0 and {maximum}", field=name)
    return value


def filters_from(values: Mapping[str, str]) -> ItemFilter:
    def text(name: str) -> str | None:
        return (values.get(name) or "").strip() or None

    return ItemFilter(
        state=text("state"),
        conduct=text("conduct"),
        priority=text("priority"),
        domain=text("domain"),
        host_country=text("host_country"),
        provider=text("provider"),
        channel=text("channel"),
        min_age_days=int_param(values, "min_age_days", maximum=MAX_AGE_DAYS),
        max_age_days=int_param(values, "max_age_days", maximum=MAX_AGE_DAYS),
        q=text("q"),
    )


def safe_next(value: str | None) -> str:
    """A local path to go to after log-in; anything else (other sites: open redirect) -> /items."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/items"


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def import_upload(
    *,
    engine: Engine,
    stream: BinaryIO,
    filename: str | None,
    actor: str,
    conduct: str | None,
    strict: bool,
    dry_run: bool,
    allow: tuple[str, ...],
    batch_size: int,
    max_bytes: int,
) -> dict[str, Any]:
    """Run the intake service's CSV import on an uploaded file; errors name the upload.

    The body middleware already refused a request body over `max_bytes`; this
    bound is kept for a file handed in some other way."""
    # Leading dots go: a name of "." or ".." would be the folder or its parent (a 500).
    name = _UNSAFE_NAME.sub("_", Path(filename or "upload.csv").name).lstrip(".")
    shown = name[:100] or "upload.csv"
    with tempfile.TemporaryDirectory(prefix="comity-upload-") as folder:
        path = Path(folder) / shown
        size = 0
        with path.open("wb") as out:
            while chunk := stream.read(1 << 16):
                size += len(chunk)
                if size > max_bytes:
                    raise BadInput(
                        f"file: larger than {max_bytes // 1_000_000} MB; "
                        "use `comity intake import` for big files",
                        field="file",
                    )
                out.write(chunk)
        result = import_file(
            engine=engine,
            path=path,
            fmt="csv",
            actor=actor,
            conduct=conduct or None,
            strict=strict,
            dry_run=dry_run,
            allow=allow,
            batch_size=batch_size,
        ).to_json()
    result["file"] = shown
    for error in result["errors"]:
        error["file"] = shown
    return result
