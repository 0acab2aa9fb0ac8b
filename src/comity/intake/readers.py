"""Streaming readers for report files: our CSV and the Citizen Lab test-list format.

Each reader yields `RawRow`s or `RowError`s one at a time, so a file of any
size is read in constant memory and every problem names its file and line.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from comity.core.errors import BadInput

__all__ = ["FORMATS", "MAX_FIELD", "RawRow", "RowError", "read_rows"]

# A URL or note longer than this is not a report: refuse the row, keep going.
MAX_FIELD = 16_384
FORMATS = ("csv", "citizenlab")

_COLUMNS = {
    "csv": ({"url", "conduct"}, {"url", "conduct", "note", "source"}),
    "citizenlab": (
        {"url", "category_code"},
        {"url", "category_code", "category_description", "date_added", "source", "notes"},
    ),
}


class RawRow(NamedTuple):
    """One row as read (a NamedTuple: one is made per row; see Prepared)."""

    line: int
    url: str
    conduct: str | None
    note: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def _open_text(path: Path) -> IO[str]:
    raw = path.open("rb")
    head = raw.read(3)
    if head != codecs.BOM_UTF8:
        raw.seek(0)
    # surrogateescape keeps undecodable bytes visible per row instead of failing the file.
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")


def _has_surrogates(values: list[str]) -> bool:
    # surrogateescape turned each undecodable byte into a lone surrogate, which
    # UTF-8 cannot encode: one C-level call per row finds them.
    try:
        "".join(values).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Lines:
    """The file's physical lines for csv.reader, one line per record at most.

    A record must fit on its line: a quoted field still open at the end of the
    line is an unterminated quote (line breaks, like every control character,
    are refused in reports anyway). Before issue 13 the csv module went on
    reading, swallowed the next rows into the open field and blamed the line
    where it gave up. Here the reader is told the input ended instead, so it
    refuses the record at the line where the quote opened, and the next line
    is read as a row of its own: every line is read once.
    """

    __slots__ = ("_source", "given", "line")

    def __init__(self, source: IO[str]) -> None:
        self._source = enumerate(source, start=1)
        self.line = 0
        self.given = False  # a line was given for the record being read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.given:
            raise StopIteration  # csv.reader (strict) calls this "unexpected end of data"
        self.line, text = next(self._source)
        self.given = True
        return text


_UNTERMINATED = (
    'unterminated quote: a field that starts with " must end with " on the same line'
    " (a record is one line; line breaks inside quotes are not accepted)"
)


def _records(lines: _Lines) -> Iterator[tuple[int, list[str] | str]]:
    """(line, fields) per record, or (line, reason) for a line csv cannot read."""
    # csv.reader asks its input again after a StopIteration, so one reader serves.
    reader = csv.reader(lines, strict=True)
    while True:
        lines.given = False
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield lines.line, _reason(exc)
            continue
        yield lines.line, values


def _reason(exc: csv.Error) -> str:
    reason = str(exc)
    if "field larger than field limit" in reason:
        return f"field longer than {MAX_FIELD} characters"
    if "unexpected end of data" in reason:
        return _UNTERMINATED
    return reason


def read_rows(path: Path, *, fmt: str) -> Iterator[RawRow | RowError]:
    """Rows of `path` in `fmt`; a file-level problem raises BadInput naming the file."""
    if fmt not in FORMATS:
        raise BadInput(f"--format {fmt!r}: valid formats are {', '.join(FORMATS)}")
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    name = str(path)
    required, known = _COLUMNS[fmt]
    csv.field_size_limit(MAX_FIELD)
    with _open_text(path) as text:
        records = _records(_Lines(text))
        first = next(records, None)
        if first is None:
            expected = _expected(fmt)
            raise BadInput(f"{name}: empty file (expected a header line: {expected})")
        line, header = first
        if isinstance(header, str):
            raise BadInput(f"{name}:{line}: unreadable header ({header})")
        columns = [h.strip().lower() for h in header]
        if _has_surrogates(columns) or not required <= set(columns):
            raise BadInput(f"{name}:1: missing header: expected columns {_expected(fmt)}")
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise BadInput(
                f"{name}:1: unknown column(s) {', '.join(unknown)}; expected {_expected(fmt)}"
            )
        index = {c: i for i, c in enumerate(columns)}
        yield from _rows(records, name=name, index=index, fmt=fmt, width=len(columns))


def _rows(
    records: Iterator[tuple[int, list[str] | str]],
    *,
    name: str,
    index: dict[str, int],
    fmt: str,
    width: int,
) -> Iterator[RawRow | RowError]:
    # url and conduct are required columns of the csv format; note and source are not.
    at_url, at_conduct = index.get("url", -1), index.get("conduct", -1)
    at_note, at_source = index.get("note", -1), index.get("source", -1)
    for line, values in records:
        if isinstance(values, str):
            yield RowError(name, line, f"malformed CSV row: {values}")
            continue
        joined = "".join(values)
        if not joined.strip():
            continue  # blank lines are not rows
        if len(values) != width:
            yield RowError(name, line, f"expected {width} fields, found {len(values)}")
            continue
        if _has_surrogates([joined]):
            yield RowError(name, line, "undecodable bytes: the file must be UTF-8")
            continue
        if fmt == "csv":
            # The common case without a helper call per field (the columns are known).
            note = values[at_note].strip() if at_note >= 0 else ""
            source = values[at_source].strip() if at_source >= 0 else ""
            url, conduct = values[at_url].strip(), values[at_conduct].strip()
            yield RawRow(line, url, conduct or None, note or None, source or None)
            continue
        yield _to_row(values, index=index, fmt=fmt, line=line)


def _to_row(values: list[str], *, index: dict[str, int], fmt: str, line: int) -> RawRow:
    def get(column: str) -> str | None:
        i = index.get(column)
        value = values[i].strip() if i is not None else ""
        return value or None

    note = get("notes") or get("category_description")
    source = get("source")
    category = get("category_code")
    source = f"citizenlab:{category}" + (f" ({source})" if source else "") if category else source
    return RawRow(line, get("url") or "", None, note, source)


def _expected(fmt: str) -> str:
    if fmt == "csv":
        return "url,conduct,note,source"
    return "url,category_code,category_description,date_added,source,notes"
