"""`comity attribute --ip-file FILE --json|--format`: addresses streamed a chunk at a time.

Each chunk of lines goes to `lookup` in one call (the product's vectorised path);
only when that call refuses an address are the chunk's lines checked one by one,
so that the bad ones are named by line and the good ones still answered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comity.cli.batch import FORMATS, LineError, open_lines, run_chunks
from comity.core.errors import BadInput
from comity.hosting.ipdata.commands import ip_json
from comity.hosting.ipdata.lookup import IpInfo, lookup, parse_ip

__all__ = ["compact", "stream_ip_file"]


def compact(info: IpInfo) -> dict[str, Any]:
    """Where an address is located and registered, its network and CDN; no sources."""
    return {
        "ip": info.ip,
        "country": info.country,
        "country_registered": info.country_registered,
        "asn": info.asn,
        "cdn": info.cdn,
    }


def _addresses(chunk: Sequence[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[LineError]]:
    """(line, address) pairs, `#` comments and blanks dropped; one address per line."""
    good: list[tuple[int, str]] = []
    errors: list[LineError] = []
    for number, line in chunk:
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if any(ch.isspace() for ch in value):
            errors.append(LineError(number, "one address per line"))
        else:
            good.append((number, value))
    return good, errors


def _valid(pairs: list[tuple[int, str]], errors: list[LineError]) -> list[tuple[int, str]]:
    kept = []
    for number, value in pairs:
        try:
            parse_ip(value)
        except BadInput as exc:
            errors.append(LineError(number, exc.message))
        else:
            kept.append((number, value))
    return kept


def stream_ip_file(*, source: Path, fmt: str, strict: bool) -> None:
    """One JSON line per address of `source` ('-': stdin), in input order."""
    if fmt not in FORMATS:
        raise BadInput(f"--format {fmt!r}: use one of {', '.join(FORMATS)}", field="format")
    observed_at = datetime.now(UTC)
    # the full record is printed as before (default separators); the compact one tight
    dumps = json.JSONEncoder(
        ensure_ascii=False, separators=(",", ":") if fmt == "jsonl-compact" else None
    ).encode
    is_compact = fmt == "jsonl-compact"

    def handle(chunk: Sequence[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[LineError]]:
        pairs, errors = _addresses(chunk)
        try:
            infos = lookup([value for _, value in pairs])
        except BadInput:  # name each bad line, answer the rest
            pairs = _valid(pairs, errors)
            infos = lookup([value for _, value in pairs])
        out = [
            (
                number,
                dumps(
                    {"line": number, **compact(info)} if is_compact else ip_json(info, observed_at)
                ),
            )
            for (number, _), info in zip(pairs, infos, strict=True)
        ]
        errors.sort(key=lambda e: e.number)
        return out, errors

    run_chunks(open_lines(source, option="--ip-file"), handle, strict=strict, label="--ip-file")
