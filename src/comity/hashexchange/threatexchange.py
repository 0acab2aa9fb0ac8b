"""The signal file of Meta's python-threatexchange: one `<signal type> <signal>` a line.

What the library's LocalFileSignalExchangeAPI reads (exchanges/impl/file_api.py):
each line stripped, split at the first space into the signal type's name and
the signal; a line without both is skipped. The names are the library's
`SignalType.get_name()`: `pdq` (PdqSignal: 64 lower-case hex digits),
`video_md5` (VideoMD5Signal, the library's MD5 signal type: 32 hex digits) and
`tlsh` (TLSHSignal). The format carries no metadata: only the hashes travel.
Comity exports PDQ, MD5 and TLSH in it (SHA-256 goes in the other formats).
"""

from __future__ import annotations

from collections.abc import Iterable

from comity.hashexchange.records import MAX_LINE, HashRecord, RowError, canonical

__all__ = ["SIGNAL_TYPES", "read", "write"]

# Comity's algorithm -> the library's signal type name
SIGNAL_TYPES = {"pdq": "pdq", "md5": "video_md5", "tlsh": "tlsh"}
_ALGORITHM = {name: algorithm for algorithm, name in SIGNAL_TYPES.items()}


def write(records: Iterable[HashRecord]) -> str:
    lines = sorted(
        {f"{SIGNAL_TYPES[r.algorithm]} {r.value}" for r in records if r.algorithm in SIGNAL_TYPES}
    )
    return "".join(f"{line}\n" for line in lines)


def read(text: str) -> list[HashRecord]:
    found: list[HashRecord] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            raise RowError(number, "line", f"{len(line)} characters (at most {MAX_LINE})")
        signal_type, _, signal = line.strip().partition(" ")
        if not (signal_type and signal):
            continue  # what the library skips too
        algorithm = _ALGORITHM.get(signal_type)
        if algorithm is None:
            known = ", ".join(sorted(_ALGORITHM))
            raise RowError(
                number, "signal_type", f"'{signal_type[:40]}' is not one Comity reads ({known})"
            )
        value = canonical(algorithm, signal, row=number, field="signal")
        found.append(HashRecord(algorithm=algorithm, value=value))
    return found
