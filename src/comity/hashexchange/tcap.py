"""A CSV in the shape of the Terrorist Content Analytics Platform's hash list.

What could be confirmed (TCAP's published API documentation, read 2026-12-06):
a hash is a `hash_type` (MD5, SHA256, SHA512, PDQ, TMK) and a `hash_value`,
and TCAP attributes content to a terrorist entity. The exact column set of
TCAP's downloadable hash-list file was not found published, so the columns
past those two are Comity's own, named plainly: `url`, `entity_id` (an id of
Comity's organisations register), `entity` (its name), `conduct`, `decision`,
`decision_date` (YYYY-MM-DD), `case`, `reference`. Comity adds the hash type
TLSH. On import only `hash_type` and `hash_value` are required; columns Comity
does not know are ignored and listed in the result.

Spreadsheet formula injection (OWASP "CSV injection"): on export a cell that
starts with = + - @, a tab or a carriage return gets a leading apostrophe; on
import an apostrophe followed by one of those is taken off again, so names
round-trip.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from comity.hashexchange.records import MAX_LINE, HashRecord, RowError, canonical, checked

__all__ = ["COLUMNS", "read", "write"]

COLUMNS = (
    "hash_type",
    "hash_value",
    "url",
    "entity_id",
    "entity",
    "conduct",
    "decision",
    "decision_date",
    "case",
    "reference",
)
# column -> HashRecord field, for the metadata columns
_FIELDS = {
    "url": "url",
    "entity_id": "organisation",
    "entity": "organisation_name",
    "conduct": "conduct",
    "decision": "decision",
    "decision_date": "decided_on",
    "case": "case_name",
    "reference": "reference",
}
_COLUMN_OF = {field: column for column, field in _FIELDS.items()}
_TYPES = {"sha256": "SHA256", "md5": "MD5", "pdq": "PDQ", "tlsh": "TLSH"}
_ALGORITHM = {name: algorithm for algorithm, name in _TYPES.items()}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA) else text


def _uncell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA) else value


def write(records: Iterable[HashRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(COLUMNS)
    for r in records:
        meta = r.to_json()
        writer.writerow(
            [_TYPES[r.algorithm], r.value, *(_cell(meta[_FIELDS[c]]) for c in COLUMNS[2:])]
        )
    return out.getvalue()


def _record(number: int, row: dict[str, str]) -> HashRecord:
    kind = row.get("hash_type", "").strip()
    algorithm = _ALGORITHM.get(kind.upper())
    if algorithm is None:
        known = ", ".join(_ALGORITHM)
        raise RowError(number, "hash_type", f"'{kind[:40]}' is not one Comity reads ({known})")
    value = canonical(algorithm, row.get("hash_value", ""), row=number, field="hash_value")
    meta = {
        field: (_uncell(row[column].strip()) or None)
        for column, field in _FIELDS.items()
        if column in row
    }
    reference = meta.pop("reference", None) or ""
    record = HashRecord(algorithm=algorithm, value=value, reference=reference, **meta)
    return checked(record, row=number, names=_COLUMN_OF)


def read(text: str) -> tuple[list[HashRecord], list[str]]:
    """The records and the names of the columns ignored."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in ("hash_type", "hash_value") if c not in header]
        if missing:
            raise RowError(1, missing[0], "the header has no such column")
        found = []
        for cells in reader:
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise RowError(number, "row", f"{len(cells)} cells, the header has {len(header)}")
            for name, cell in zip(header, cells, strict=True):
                if len(cell) > MAX_LINE:
                    raise RowError(number, name, f"{len(cell)} characters (at most {MAX_LINE})")
            found.append(_record(number, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise RowError(reader.line_num, "row", f"not CSV: {exc}") from None
    ignored = [h for h in header if h not in COLUMNS]
    return found, ignored
