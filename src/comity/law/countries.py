"""Jurisdiction codes: ISO 3166-1 alpha-2, plus `EU` for the Union's own layer."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from comity.core.errors import BadInput

__all__ = ["EU", "is_iso_code", "normalise_code"]

EU = "EU"
_DATA = Path(__file__).parent / "data" / "iso3166_alpha2.json"


@cache
def _table() -> tuple[frozenset[str], dict[str, str | None]]:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    return frozenset(data["codes"].split()), dict(data["aliases"])


def is_iso_code(code: str) -> bool:
    return code in _table()[0]


def normalise_code(value: str, *, field: str = "host", allow_eu: bool = True) -> str:
    """Upper-case and check a jurisdiction code; BadInput names the valid form."""
    code = value.strip().upper()
    codes, aliases = _table()
    if code in codes or (allow_eu and code == EU):
        return code
    valid = "an ISO 3166-1 alpha-2 country code such as DE, GB or US" + (
        ", or EU for the Union's own layer" if allow_eu else ""
    )
    if code in aliases:
        suggestion = aliases[code]
        hint = f"; use {suggestion}" if suggestion else " (it is not assigned in ISO 3166-1)"
        raise BadInput(f"{field}: '{value}' is not ISO 3166-1{hint}; valid: {valid}", field=field)
    raise BadInput(f"{field}: '{value}' is not a jurisdiction code; valid: {valid}", field=field)
