"""One exchanged hash and what is said about it; each hash value checked on entry.

Canonical forms (what Comity stores and compares): SHA-256, MD5 and PDQ as
lower-case hex of 64, 32 and 64 digits; TLSH as py-tlsh writes it, "T1" and
70 upper-case hex digits (the 70 digits alone, the older form that STIX's TLSH
pattern and some tools use, are accepted and given the "T1" prefix).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

from comity.core.errors import BadInput

__all__ = [
    "ALGORITHMS",
    "MAX_FILE_BYTES",
    "MAX_LINE",
    "HashRecord",
    "RowError",
    "canonical",
    "checked",
]

ALGORITHMS = ("sha256", "md5", "pdq", "tlsh")
MAX_FILE_BYTES = 50_000_000  # an imported file, whole
MAX_LINE = 4_096  # one line (or CSV field): a hash line is under 100 characters
_PATTERNS = {
    "sha256": re.compile(r"[0-9a-f]{64}"),
    "md5": re.compile(r"[0-9a-f]{32}"),
    "pdq": re.compile(r"[0-9a-f]{64}"),
    "tlsh": re.compile(r"(T1)?[0-9A-F]{70}"),
}
_LENGTHS = {"sha256": "64 hex digits", "md5": "32 hex digits", "pdq": "64 hex digits (256 bits)"}


class RowError(BadInput):
    """A bad row of an imported file: names the row (1-based) and the field."""

    def __init__(self, row: int, field: str, message: str, *, unit: str = "row") -> None:
        super().__init__(f"{unit} {row}, field {field}: {message}", field=field)
        self.row = row
        self.detail = message


def canonical(algorithm: str, value: str, *, row: int, field: str) -> str:
    """`value` in its canonical form, or RowError saying what a valid one looks like."""
    if algorithm not in _PATTERNS:
        raise RowError(row, field, f"'{algorithm[:40]}' is not one of {', '.join(ALGORITHMS)}")
    text = value.strip()
    text = text.upper() if algorithm == "tlsh" else text.lower()
    if not _PATTERNS[algorithm].fullmatch(text):
        shown = text if len(text) <= 80 else text[:80] + "…"
        what = _LENGTHS.get(algorithm, '"T1" and 70 hex digits')
        raise RowError(row, field, f"'{shown}' is not a {algorithm} hash: {what} expected")
    if algorithm == "tlsh" and not text.startswith("T1"):
        text = "T1" + text
    return text


@dataclass(frozen=True)
class HashRecord:
    """A hash and the metadata exchanged with it (no content, ever)."""

    algorithm: str
    value: str
    reference: str = ""  # the exporter's name for the record, e.g. item-12
    url: str | None = None
    conduct: str | None = None
    organisation: str | None = None  # an id of the organisations register
    organisation_name: str | None = None
    decision: str | None = None
    decided_on: str | None = None  # YYYY-MM-DD
    case_name: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.algorithm, self.value, self.reference)

    def to_json(self) -> dict[str, str | None]:
        return asdict(self)


_LIMITS = {"reference": 200, "conduct": 64, "organisation": 64, "decision": 32}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def checked(record: HashRecord, *, row: int, names: Mapping[str, str] | None = None) -> HashRecord:
    """`record` if its metadata fits (lengths, the decision day); else RowError naming the
    field as the file calls it (`names`: record field -> the file's name)."""
    names = names or {}
    meta = record.to_json()
    for field, limit in _LIMITS.items():
        if len(meta[field] or "") > limit:
            raise RowError(row, names.get(field, field), f"longer than {limit} characters")
    day = record.decided_on
    if day is not None:
        try:
            ok = bool(_DAY.fullmatch(day)) and date.fromisoformat(day) is not None
        except ValueError:
            ok = False
        if not ok:
            raise RowError(
                row, names.get("decided_on", "decided_on"), f"'{day[:40]}' is not YYYY-MM-DD"
            )
    return record
