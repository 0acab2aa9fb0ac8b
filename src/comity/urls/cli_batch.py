"""`comity url canonical -`: one URL per line on stdin, its canonical form out, streamed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from comity.cli.batch import FORMATS, LineError, open_lines, run_chunks
from comity.core.errors import BadInput
from comity.core.settings import get_settings
from comity.urls.service import canonicalize

__all__ = ["URL_FORMATS", "stream_urls"]

URL_FORMATS = ("text", *FORMATS)


def stream_urls(*, source: Path, fmt: str, strict: bool) -> None:
    """text: the canonical URL per line; jsonl: line and every field; compact: line and URL.

    In text a bad line prints nothing on stdout (it is named on stderr), so join on
    the `line` of a JSON format when lines can be bad.
    """
    if fmt not in URL_FORMATS:
        raise BadInput(f"--format {fmt!r}: use one of {', '.join(URL_FORMATS)}", field="format")
    allow = get_settings().fetch_allow  # once per run, not per line
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def handle(chunk: Sequence[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[LineError]]:
        out: list[tuple[int, str]] = []
        errors: list[LineError] = []
        for number, line in chunk:
            try:
                canon = canonicalize(line.strip(), allow=allow)
            except BadInput as exc:
                errors.append(LineError(number, exc.message))
                continue
            if fmt == "text":
                out.append((number, canon.url))
            elif fmt == "jsonl":
                out.append((number, dumps({"line": number, **canon.as_dict()})))
            else:
                out.append((number, dumps({"line": number, "url": canon.url})))
        return out, errors

    run_chunks(open_lines(source, option="url canonical"), handle, strict=strict, label="stdin")
