"""canonicalize(): one canonical form per web resource reported to Comity.

The parse follows the WHATWG URL Standard for the two "special" schemes we
accept (http, https), so a URL means here what it means in a browser; the
output is then normalised per RFC 3986 §6. Deliberate differences from a
browser's `href` are listed in docs/url-conformance.md.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from comity.core.errors import BadInput
from comity.urls._addresses import parse_allowlist
from comity.urls._host import HostError, HostInfo, parse_host
from comity.urls._percent import (
    normalise_path_segment,
    normalise_query_part,
    path_is_canonical,
    query_is_canonical,
)
from comity.urls._psl import suffix_info
from comity.urls._tracking import has_tracking_param, is_tracking_param
from comity.urls.schemas import CanonicalURL

__all__ = ["MAX_URL_LENGTH", "canonicalize", "registrable_domain"]

MAX_URL_LENGTH = 32_768  # far above real pages' URLs; bounds work per input
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*(?=:)")
# WHATWG: strip leading/trailing C0 controls and space; drop tab and newlines.
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_AUTHORITY_END = re.compile(r"[/\\?#]")
# The common URL, already in the form `_split`, `_path` and `_query` would give
# it: http(s) in any case, `//`, a host of ASCII letters, digits, dots and
# hyphens with an optional port, then a path and a query made only of characters
# that are canonical raw (no percent-escape at all), and any fragment. Such a URL
# skips the general parse; only dot-segments, tracking parameters and the port
# still need work. tests/urls/test_urls_properties.py checks that both routes agree.
_SIMPLE = re.compile(
    r"([Hh][Tt][Tt][Pp][Ss]?)://([A-Za-z0-9.\-]+(?::[0-9]*)?)"
    r"((?:/[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]]*)*)"
    r"(?:\?([A-Za-z0-9\-._~!$&()*+,;=:@/?\[\]]*))?"
    r"(?:#.*)?",
    re.DOTALL,
)


def _bad(url: str, reason: str) -> BadInput:
    shown = url if len(url) <= 200 else url[:200] + "…"
    return BadInput(f"url {shown!r}: {reason}", field="url")


def _split(url: str) -> tuple[str, str, str, str]:
    """(scheme, authority, path, query) of an absolute http(s) URL."""
    text = url.strip(_C0_AND_SPACE)
    if "\t" in text or "\n" in text or "\r" in text:
        text = _TAB_NEWLINE.sub("", text)
    match = _SCHEME.match(text)
    if match is None:
        raise _bad(url, "not an absolute URL: it must start with http:// or https://")
    scheme = match.group().lower()
    if scheme not in _DEFAULT_PORTS:
        raise _bad(url, f"scheme {scheme!r} is not accepted: only http and https")
    # Special schemes ignore any run of slashes and backslashes (WHATWG
    # "special authority ignore slashes state"): `http:\\\\host` is `http://host`.
    rest = text[match.end() + 1 :].lstrip("/\\")
    end = _AUTHORITY_END.search(rest)
    authority, rest = (rest, "") if end is None else (rest[: end.start()], rest[end.start() :])
    rest = rest.split("#", 1)[0]  # the fragment never reaches the server
    path, _, query = rest.partition("?")
    return scheme, authority, path.replace("\\", "/"), query


def _host_and_port(url: str, scheme: str, authority: str) -> tuple[str, int | None]:
    if "@" in authority:
        raise _bad(url, "user name or password (user:pass@) in URLs is not accepted")
    if authority.startswith("["):
        close = authority.find("]")
        host, port_text = authority[: close + 1], authority[close + 1 :]
        if close < 0 or (port_text and not port_text.startswith(":")):
            raise _bad(url, "malformed IPv6 host: expected [address] or [address]:port")
        port_text = port_text[1:]
    else:
        host, _, port_text = authority.partition(":")
    if not host:
        raise _bad(url, "missing host")
    port: int | None = None
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()):
            raise _bad(url, f"port {port_text!r} is not a number")
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise _bad(url, f"port {port} is out of range 1-65535")
        if port == _DEFAULT_PORTS[scheme]:
            port = None
    return host, port


@dataclass(frozen=True, slots=True)
class _HostPart:
    """Everything about a URL that depends only on its host (cached)."""

    netloc: str
    info: HostInfo
    registrable: str | None
    suffix: str | None
    flags: tuple[str, ...]


class _HostRefused(ValueError):
    """Why a host is refused (the caller adds the URL to the message)."""


@lru_cache(maxsize=65536)
def _host_part(raw_host: str, allow: tuple[str, ...]) -> _HostPart:
    host = raw_host
    if "%" in host:
        try:
            host = urllib.parse.unquote(host, errors="strict")
        except UnicodeDecodeError as exc:
            raise _HostRefused("host has percent-escapes that are not UTF-8") from exc
    try:
        info = parse_host(host)
    except HostError as exc:
        raise _HostRefused(f"host {host!r}: {exc}") from exc
    flags = set(info.flags)
    if info.refusal is not None:
        allowlist = parse_allowlist(allow)
        if not (
            allowlist.permits_host(info.ascii)
            or (info.address is not None and allowlist.permits_address(info.address))
        ):
            what = "address" if info.address is not None else "name"
            raise _HostRefused(
                f"host {info.ascii!r} is {info.refusal}; intake accepts public hosts only "
                f"(add the {what} to COMITY_FETCH_ALLOW to permit it)"
            )
        flags.add("allowlisted")
    registrable = suffix = None
    if info.address is None:
        registrable, suffix, private, unknown = suffix_info(info.ascii)
        if private:
            flags.add("private_suffix")
        if unknown:
            flags.add("unknown_tld")
    ipv6 = info.address is not None and info.address.version == 6
    netloc = f"[{info.ascii}]" if ipv6 else info.ascii
    return _HostPart(netloc, info, registrable, suffix, tuple(sorted(flags)))


def _path(raw: str) -> str:
    """Normalise each segment, then remove dot-segments (RFC 3986 §5.2.4).

    Segments are decoded first, so `%2e%2E` is `..` as in WHATWG URL §4.4.
    """
    if not raw:
        return "/"  # RFC 3986 §6.2.3: an empty path in http(s) is "/"
    if path_is_canonical(raw):
        return raw
    output: list[str] = []
    # The authority ends at the first "/", so `raw` starts with one.
    segments = raw[1:].split("/")
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        segment = normalise_path_segment(segment)
        if segment == "..":
            if output:
                output.pop()
            if index == last:
                output.append("")
        elif segment == ".":
            if index == last:
                output.append("")
        else:
            output.append(segment)
    return "/" + "/".join(output)


def _query(raw: str) -> str:
    """Normalise each piece and drop tracking parameters.

    The order of the remaining parameters is kept: servers may read repeated
    keys in order (`a=1&a=2`) or sign the query string, so sorting could name a
    different resource.
    """
    if not raw:
        return ""
    if query_is_canonical(raw):
        return _untracked(raw)
    return _untracked("&".join(normalise_query_part(part) for part in raw.split("&")))


def _untracked(query: str) -> str:
    """A query already in canonical form, without its tracking parameters."""
    if not has_tracking_param(query):
        return query if query.strip("&") else ""
    kept = []
    for part in query.split("&"):
        name = part.split("=", 1)[0]
        if not (name and is_tracking_param(name)):
            kept.append(part)
    return "&".join(kept) if any(kept) else ""


def canonicalize(url: str, *, allow: Sequence[str] = ()) -> CanonicalURL:
    """The canonical form of an absolute http(s) URL, or BadInput saying why not.

    `allow` lists IP addresses, CIDR networks or host names that are accepted
    even though they are not public (the COMITY_FETCH_ALLOW setting).
    """
    if not isinstance(url, str):
        raise BadInput(f"url: expected text, got {type(url).__name__}", field="url")
    if len(url) > MAX_URL_LENGTH:
        raise _bad(url, f"longer than {MAX_URL_LENGTH} characters")
    simple = _SIMPLE.fullmatch(url)
    if simple is None:
        scheme, authority, raw_path, raw_query = _split(url)
        host, port = _host_and_port(url, scheme, authority)
        path, query = _path(raw_path), _query(raw_query)
    else:
        scheme, host, raw_path, raw_query = simple.groups()
        scheme = scheme.lower()
        port = None
        if ":" in host:
            host, port = _host_and_port(url, scheme, host)
        path = raw_path if raw_path and "/." not in raw_path else _path(raw_path)
        query = _untracked(raw_query) if raw_query else ""
    if isinstance(allow, str):
        allow = allow.split(",")  # a comma-separated setting passed as is
    if host.isascii():
        host = host.lower()  # case variants of one host share a cache entry
    try:
        part = _host_part(host, tuple(allow))
    except _HostRefused as exc:
        raise _bad(url, str(exc)) from None
    netloc = part.netloc if port is None else f"{part.netloc}:{port}"
    return CanonicalURL(
        url=f"{scheme}://{netloc}{path}?{query}" if query else f"{scheme}://{netloc}{path}",
        scheme=scheme,
        host=part.info.ascii,
        host_unicode=part.info.unicode,
        port=port,
        path=path,
        query=query,
        registrable_domain=part.registrable,
        public_suffix=part.suffix,
        is_ip=part.info.address is not None,
        flags=part.flags,
    )


def registrable_domain(host: str | None) -> str | None:
    """The site a host belongs to per the Public Suffix List (PRIVATE rules included).

    Returned in the form given (U-labels in, U-labels out; A-labels in,
    A-labels out), lower-cased and without a trailing dot. None for an IP
    address, a public suffix itself, or text that is not a valid host name.
    """
    if not host:
        return None
    try:
        info = parse_host(host)
    except HostError:
        return None
    if info.address is not None:
        return None
    registrable = suffix_info(info.ascii)[0]
    if registrable is None:
        return None
    count = registrable.count(".") + 1
    labels = info.ascii if host.isascii() else info.unicode
    return ".".join(labels.split(".")[-count:])
