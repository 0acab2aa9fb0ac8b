"""Atomic file writes for what the commands write out (exports, reports, dossiers).

A file named by `-o` is written to a temporary file beside it and renamed over it:
an interrupted or failed write never leaves half a hash list or half a report
where a partner's system, or the next step of a script, would read it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (same-folder temp file, fsync, rename)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
