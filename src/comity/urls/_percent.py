"""Percent-encoding of path and query (RFC 3986 §2, §6.2.2; WHATWG URL §1.3).

One rule per octet, so that every spelling of a resource gets one form:

- unreserved characters (ALPHA DIGIT - . _ ~, RFC 3986 §2.3) are always
  written raw: `%7E` becomes `~` (§6.2.2.2 says decoding them is safe);
- reserved characters (gen-delims and sub-delims, §2.2) keep the form the
  writer chose, because `/` and `%2F` (or `&` and `%26`) mean different
  things to a server; escapes are written with upper-case hex (§6.2.2.1);
- everything else (controls, space, `"<>\\^`{|}`, DEL, non-ASCII as UTF-8) is
  always percent-encoded. WHATWG leaves `^|{}` (and `` ` `` in queries) raw; we
  encode them because RFC 3986 does not allow them raw and they have no
  delimiter role, so both spellings are the same resource;
- a `%` that does not start a valid escape is written `%25` (WHATWG keeps it
  raw, which would make `%%355` canonicalise differently twice).

Delimiters that must be escaped in each component (`#` anywhere, `?` in the
path, `'` in a query of a special scheme) follow the WHATWG percent-encode sets.
"""

from __future__ import annotations

import re
import string

__all__ = [
    "normalise_path_segment",
    "normalise_query_part",
    "path_is_canonical",
    "query_is_canonical",
]

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_SUB_DELIMS = "!$&'()*+,;="
_PATH_RAW = _UNRESERVED | frozenset(_SUB_DELIMS + ":@[]")
_QUERY_RAW = (_UNRESERVED | frozenset(_SUB_DELIMS + ":@[]/?")) - {"'"}
_HEX = frozenset("0123456789abcdefABCDEF")

# Fast paths: text that is already canonical in its component.
_PATH_CANONICAL = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]]|%[0-9A-F]{2})*")
_QUERY_CANONICAL = re.compile(r"(?:[A-Za-z0-9\-._~!$&()*+,;=:@\[\]/?]|%[0-9A-F]{2})*")
_UNRESERVED_ESCAPE = re.compile(r"%(?:2[DE]|3[0-9]|[46][1-9A-F]|[57][0-9A]|5F|7E)")


def _escape(char: str) -> str:
    if "\ud800" <= char <= "\udfff":
        char = "\ufffd"  # lone surrogate: WHATWG converts input to USV strings
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def _normalise(text: str, raw_ok: frozenset[str]) -> str:
    out: list[str] = []
    append = out.append
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "%":
            if i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
                decoded = chr(int(text[i + 1 : i + 3], 16))
                append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
                i += 3
                continue
            append("%25")
        elif char in raw_ok:
            append(char)
        else:
            append(_escape(char))
        i += 1
    return "".join(out)


def normalise_path_segment(segment: str) -> str:
    """Canonical form of one path segment (no `/` inside)."""
    if _PATH_CANONICAL.fullmatch(segment) and not _UNRESERVED_ESCAPE.search(segment):
        return segment
    return _normalise(segment, _PATH_RAW)


def normalise_query_part(part: str) -> str:
    """Canonical form of one `&`-separated piece of a query string."""
    if _QUERY_CANONICAL.fullmatch(part) and not _UNRESERVED_ESCAPE.search(part):
        return part
    return _normalise(part, _QUERY_RAW)


_WHOLE_PATH_CANONICAL = re.compile(r"(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]]|%[0-9A-F]{2})*)+")


def path_is_canonical(path: str) -> bool:
    """True when `path` needs no change: no dot-segment, escape or raw character to fix.

    Any segment starting with "." takes the slow path (it may be a dot-segment).
    """
    return (
        _WHOLE_PATH_CANONICAL.fullmatch(path) is not None
        and "/." not in path
        and _UNRESERVED_ESCAPE.search(path) is None
    )


def query_is_canonical(query: str) -> bool:
    """True when every `&`-piece of `query` is already in canonical form."""
    return (
        _QUERY_CANONICAL.fullmatch(query) is not None and _UNRESERVED_ESCAPE.search(query) is None
    )
