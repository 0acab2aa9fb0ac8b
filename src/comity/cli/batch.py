"""Streaming batch runs for the command line: lines in, lines out, in chunks.

Used by `comity assess --batch`, `comity attribute --ip-file` and `comity url
canonical -`. Why chunks: the input may be millions of lines, so it is never
read whole (memory stays flat), and output is written and flushed once per
chunk, so a consumer downstream sees results while the run goes on, without
paying a write and a flush per line. A bad line is named on stderr by its
number and the run goes on (or stops at the first with `strict`); the exit
status says whether any line failed (2, as for any bad input).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TextIO

import typer

from comity.core.errors import BadInput

__all__ = ["CHUNK", "FORMATS", "LineError", "open_lines", "run_chunks"]

CHUNK = 2048
FORMATS = ("jsonl", "jsonl-compact")


class LineError(Exception):
    """One input line could not be processed; `message` already names no line."""

    def __init__(self, number: int, message: str) -> None:
        super().__init__(message)
        self.number = number
        self.message = message


# A chunk handler: numbered lines in, (numbered output lines, errors) out.
Handler = Callable[[Sequence[tuple[int, str]]], tuple[list[tuple[int, str]], list[LineError]]]


def open_lines(source: Path, *, option: str) -> Iterator[tuple[int, str]]:
    """Numbered non-blank lines of `source` ('-' is stdin), read lazily."""
    if str(source) == "-":
        yield from _numbered(sys.stdin)
        return
    try:
        handle = source.open(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{option} {source}: {exc.strerror}", field=option.lstrip("-")) from None
    with handle:
        yield from _numbered(handle)


def _numbered(stream: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(stream, start=1):
        text = line.rstrip("\r\n")
        if text.strip():
            yield number, text


def run_chunks(
    lines: Iterator[tuple[int, str]],
    handle: Handler,
    *,
    strict: bool,
    label: str,
    size: int = CHUNK,
) -> None:
    """Feed `lines` to `handle` `size` at a time; errors on stderr; exit 2 if any line failed."""
    failed = 0
    out = sys.stdout
    while chunk := list(islice(lines, size)):
        written, errors = handle(chunk)
        if strict and errors:  # nothing after the first bad line
            first = min(e.number for e in errors)
            written = [(n, text) for n, text in written if n < first]
            errors = [e for e in errors if e.number == first]
        if written:
            out.write("\n".join(text for _, text in written) + "\n")
        out.flush()
        for error in errors:
            failed += 1
            sys.stderr.write(f"error: {label} line {error.number}: {error.message}\n")
            if strict:
                sys.stderr.write("error: stopped at the first bad line (--strict)\n")
                raise typer.Exit(BadInput.exit_code)
    if failed:
        sys.stderr.write(f"error: {failed} line(s) failed\n")
        raise typer.Exit(BadInput.exit_code)
