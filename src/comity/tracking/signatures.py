"""Known "content removed" pages and CDN challenge pages (data in data/signatures.yaml)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from comity.hosting.directory._strictyaml import DirectoryDataError, check_keys, load_entries

__all__ = ["KINDS", "Signature", "load_signatures", "match"]

DATA = Path(__file__).parent / "data" / "signatures.yaml"
KINDS = ("removed", "legal_block", "challenge")
_REQUIRED = ("id", "kind", "source")
_OPTIONAL = ("platform", "operator", "hosts", "status", "url", "text", "header")
# Markers are searched in the start of the body only: removal and challenge
# pages are small, and a bounded search keeps a check cheap on large pages.
SEARCH_BYTES = 65_536


@dataclass(frozen=True)
class Signature:
    id: str
    kind: str
    source: str
    hosts: tuple[str, ...] = ()
    status: tuple[int, ...] = ()
    url: re.Pattern[str] | None = None
    text: tuple[str, ...] = ()
    header: tuple[tuple[str, str], ...] = ()

    def applies_to(self, host: str) -> bool:
        if not self.hosts:
            return True
        return any(host == h or host.endswith("." + h) for h in self.hosts)


def _strings(where: str, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DirectoryDataError(f"{where}: {key} must be a list of non-empty strings")
    return tuple(value)


@cache
def load_signatures(path: Path = DATA) -> tuple[Signature, ...]:
    """Load and check every signature (unknown keys, bad kinds and empty matchers fail)."""
    _, entries = load_entries(path, "signatures")
    out: list[Signature] = []
    for line, raw in entries:
        where = f"{path}: line {line}"
        entry = check_keys(where, raw, required=_REQUIRED, optional=_OPTIONAL)
        if entry["kind"] not in KINDS:
            raise DirectoryDataError(f"{where}: kind must be one of {', '.join(KINDS)}")
        status = entry.get("status", [])
        if not isinstance(status, list) or not all(isinstance(s, int) for s in status):
            raise DirectoryDataError(f"{where}: status must be a list of HTTP status codes")
        header = entry.get("header", {})
        if not isinstance(header, dict):
            raise DirectoryDataError(f"{where}: header must be a mapping name: substring")
        url = entry.get("url")
        signature = Signature(
            id=str(entry["id"]),
            kind=entry["kind"],
            source=str(entry["source"]),
            hosts=tuple(h.lower() for h in _strings(where, "hosts", entry.get("hosts", []) or [])),
            status=tuple(status),
            url=re.compile(url) if isinstance(url, str) else None,
            text=tuple(t.lower() for t in _strings(where, "text", entry.get("text", []) or [])),
            header=tuple((str(k).lower(), str(v or "").lower()) for k, v in header.items()),
        )
        if not (signature.url or signature.text or signature.header):
            raise DirectoryDataError(f"{where}: give at least one of url, text, header")
        out.append(signature)
    return tuple(out)


def _matches(
    sig: Signature, status: int | None, url: str, headers: Mapping[str, str], text: str
) -> bool:
    if sig.status and status not in sig.status:
        return False
    if sig.url is not None and not sig.url.search(url):
        return False
    for name, fragment in sig.header:
        value = headers.get(name)
        if value is None or fragment not in value.lower():
            return False
    return not sig.text or any(marker in text for marker in sig.text)


def match(
    *,
    host: str,
    status: int | None,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    kinds: Sequence[str] = KINDS,
    signatures: tuple[Signature, ...] | None = None,
) -> Signature | None:
    """The first signature of one of `kinds` that the response matches.

    `headers` must have lower-case names.
    """
    text = body[:SEARCH_BYTES].decode("utf-8", "replace").lower()
    host = host.lower().rstrip(".")
    for sig in signatures if signatures is not None else load_signatures():
        if sig.kind in kinds and sig.applies_to(host) and _matches(sig, status, url, headers, text):
            return sig
    return None
