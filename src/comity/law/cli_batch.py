"""`comity assess --batch`: JSON Lines in, one assessment per line out, streamed.

Where the time went before (cProfile, 5,000 random lines): the engine's
`assess` was a third of it; `to_json` (every provision explained element by
element, every channel with its sources) and encoding its ~9 KB of JSON per
line were the rest. `jsonl` keeps that full record (it is what
`assess_batch` yields, line number first); `jsonl-compact` writes only the
outcome (what a triage pipeline joins on), read straight off the Assessment
without building the explanation. The knowledge base is loaded once per run,
never per line, and no database session is opened.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from comity.cli.batch import FORMATS, LineError, open_lines, run_chunks
from comity.core.errors import BadInput, ComityError
from comity.law.assessment import Assessment
from comity.law.engine import assess
from comity.law.model import KnowledgeBase
from comity.law.service import parse_batch_line

__all__ = ["assess_stream", "compact"]

# Smaller than the shared chunk: a full record is ~10 KB, and 2,048 of them in flight
# took the peak memory from 98 MB to 228 MB (5,000 lines); the engine works line by
# line, so a smaller chunk costs nothing measurable.
_CHUNK = 256


def compact(result: Assessment) -> dict[str, Any]:
    """The outcome of one assessment, without the element-by-element explanation."""
    return {
        "conduct": result.conduct,
        "host": result.host,
        "date": result.date.isoformat(),
        "dual_criminality": result.dual_criminality,
        "requesting_outcome": result.requesting_outcome,
        "provisions": list(result.matched_host_provisions),
        "missing_facts": list(result.missing_facts),
        # given against each other, so decided as unknown: why two given facts are missing
        "set_aside": list(result.set_aside),
        "kb_version": result.kb_version,
    }


def _full(result: Assessment) -> dict[str, Any]:
    return result.to_json()


def assess_stream(
    *, source: Path, kb: KnowledgeBase, default_date: date, fmt: str, strict: bool
) -> None:
    """Assess every line of `source` ('-': stdin) and print one JSON line per input line."""
    if fmt not in FORMATS:
        raise BadInput(f"--format {fmt!r}: use one of {', '.join(FORMATS)}", field="format")
    shape = compact if fmt == "jsonl-compact" else _full
    # the full record is printed as before (default separators); the compact one tight
    dumps = json.JSONEncoder(
        ensure_ascii=False, separators=(",", ":") if fmt == "jsonl-compact" else None
    ).encode

    def handle(chunk: Sequence[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[LineError]]:
        out: list[tuple[int, str]] = []
        errors: list[LineError] = []
        for number, line in chunk:
            try:
                result = assess(kb=kb, **parse_batch_line(line, default_date=default_date))
            except json.JSONDecodeError as exc:
                errors.append(LineError(number, f"not JSON ({exc.msg})"))
                continue
            except ComityError as exc:
                errors.append(LineError(number, exc.message))
                continue
            out.append((number, dumps({"line": number, **shape(result)})))
        return out, errors

    run_chunks(
        open_lines(source, option="--batch"), handle, strict=strict, label="--batch", size=_CHUNK
    )
