"""The bounded fetcher: time, bytes, redirects and decoded size, every hop guarded.

Redirects are followed by hand so that each new host is resolved and judged
by the SSRF guard before anything connects to it. Nothing from the response
decides where we connect except a Location header, and that goes through the
guard like the first URL did.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpcore
import httpx

from comity.core.errors import BadInput
from comity.core.settings import Settings
from comity.evidence._decode import BoundedDecoder, DecodedTooLarge, DecodeError
from comity.evidence._transport import Connect, PinnedTransport, default_connect, judge
from comity.evidence.guard import DnsFailure, Guard, GuardRefusal, Resolver, make_resolver

__all__ = ["USER_AGENT", "FetchResult", "Fetcher", "Hop", "Limits"]

USER_AGENT = "Comity-evidence/0.1 (+lawful removal requests; contact via settings)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # one connect, read or write
    deadline: float = 30.0  # the whole fetch: every hop's headers and body together
    max_bytes: int = 20_000_000  # raw bytes on the wire, per hop
    max_decoded_bytes: int = 20_000_000  # after undoing Content-Encoding
    max_redirects: int = 5


@dataclass
class Hop:
    """One request and its response (as far as it got)."""

    url: str
    ip: str | None = None
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    status: int | None = None
    reason: str = ""
    http_version: str = "HTTP/1.1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw_body: bytes = b""
    complete: bool = False  # the whole response was read


@dataclass
class FetchResult:
    requested_url: str
    outcome: str
    hops: list[Hop]
    body: bytes | None = None  # decoded body of the final response
    error: str | None = None

    @property
    def final(self) -> Hop | None:
        return self.hops[-1] if self.hops else None

    @property
    def status(self) -> int | None:
        return self.final.status if self.final else None

    @property
    def final_url(self) -> str | None:
        return self.final.url if self.final else None

    def header(self, name: str) -> str | None:
        if self.final is None:
            return None
        wanted = name.lower()
        return next((v for k, v in self.final.headers if k.lower() == wanted), None)


class _Stop(Exception):
    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome


def _classify(exc: Exception) -> _Stop:
    if isinstance(exc, httpcore.TimeoutException | httpx.TimeoutException):
        return _Stop("timeout", f"timed out: {exc}")
    if isinstance(exc, httpcore.ProtocolError | httpx.ProtocolError | httpx.DecodingError):
        return _Stop("malformed", f"malformed HTTP response: {exc}")
    return _Stop("connection_error", f"{type(exc).__name__}: {exc}")


def _latin1(pairs: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in pairs]


def parse_routes(entries: Sequence[str]) -> dict[str, tuple[str, int]]:
    """COMITY_CONNECT_OVERRIDES entries "name=ip:port" -> {name: (ip, port)}.

    Only the demo internet and tests use this: the guard still checks the
    addresses DNS gives for the name, then the connection goes to the route.
    """
    routes: dict[str, tuple[str, int]] = {}
    for entry in entries:
        name, sep, target = entry.partition("=")
        host, _, port = target.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise BadInput(f"COMITY_CONNECT_OVERRIDES: {entry!r} is not name=ip:port")
        routes[name.strip().lower().rstrip(".")] = (host.strip("[]"), int(port))
    return routes


class Fetcher:
    """Fetch one URL within `limits`; `routes` maps a host name to the (ip, port) to
    connect to instead of its resolved address (the demo internet only: its names
    resolve to real public addresses that must not be contacted)."""

    def __init__(
        self,
        *,
        guard: Guard,
        resolver: Resolver,
        limits: Limits,
        connect: Connect = default_connect,
        routes: Mapping[str, tuple[str, int]] | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.guard = guard
        self.resolver = resolver
        self.limits = limits
        self.connect = connect
        self.routes = dict(routes or {})
        self.user_agent = user_agent
        self._ssl: ssl.SSLContext | None = None

    @property
    def ssl_context(self) -> ssl.SSLContext:
        # Loading the CA bundle takes tens of milliseconds: once per fetcher, not per hop.
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context()
        return self._ssl

    @classmethod
    def from_settings(
        cls, settings: Settings, *, routes: Mapping[str, tuple[str, int]] | None = None
    ) -> Fetcher:
        limits = Limits(
            timeout=settings.fetch_timeout_seconds,
            deadline=settings.capture_deadline_seconds,
            max_bytes=settings.fetch_max_bytes,
            max_decoded_bytes=settings.fetch_max_bytes,
            max_redirects=settings.fetch_max_redirects,
        )
        return cls(
            guard=Guard.from_settings(settings),
            resolver=make_resolver(settings.dns_servers),
            limits=limits,
            routes=routes if routes is not None else parse_routes(settings.connect_overrides),
        )

    def fetch(self, url: str) -> FetchResult:
        deadline = time.monotonic() + self.limits.deadline
        result = FetchResult(requested_url=url, outcome="ok", hops=[])
        try:
            current = httpx.URL(url)
            for _ in range(self.limits.max_redirects + 1):
                hop = Hop(url=str(current))
                result.hops.append(hop)
                location = self._hop(current, hop, deadline)
                if location is None:
                    self._finish(result, hop)
                    return result
                current = current.join(location)
            raise _Stop("too_many_redirects", f"more than {self.limits.max_redirects} redirects")
        except _Stop as stop:
            result.outcome, result.error = stop.outcome, str(stop)
        except httpx.InvalidURL as exc:
            result.outcome, result.error = "malformed", f"invalid URL: {exc}"
        return result

    def _targets(self, url: httpx.URL, deadline: float) -> list[tuple[str, int]]:
        if url.scheme not in _DEFAULT_PORTS:
            raise _Stop("refused_ssrf", f"scheme {url.scheme!r} is not fetched: only http(s)")
        host = url.host
        if not host:
            raise _Stop("malformed", f"URL {url} has no host")
        port = url.port or _DEFAULT_PORTS[url.scheme]
        try:
            self.guard.check_host(host)
            addresses = self.resolver(host, max(deadline - time.monotonic(), 0.1))
            return judge(self.guard, host, addresses, port, self.routes)
        except GuardRefusal as exc:
            raise _Stop("refused_ssrf", str(exc)) from None
        except DnsFailure as exc:
            raise _Stop("dns_error", f"DNS: {exc}") from None

    def _hop(self, url: httpx.URL, hop: Hop, deadline: float) -> str | None:
        """Fetch one hop; the Location to follow, or None for the final response."""
        targets = self._targets(url, deadline)
        transport = PinnedTransport(
            targets, connect=self.connect, deadline=deadline, ssl_context=self.ssl_context
        )
        headers = {"User-Agent": self.user_agent, "Accept": "*/*"}
        headers["Accept-Encoding"] = "gzip, deflate, br"
        try:
            timeout = httpx.Timeout(self.limits.timeout)
            with httpx.Client(transport=transport, trust_env=False, timeout=timeout) as client:
                request = client.build_request("GET", url, headers=headers)
                hop.request_headers = _latin1(request.headers.raw)
                response = client.send(request, stream=True)
                hop.ip = transport.backend.connected[0] if transport.backend.connected else None
                try:
                    return self._read(response, hop)
                finally:
                    response.close()
        except (httpcore.TimeoutException, httpx.TimeoutException) as exc:
            if time.monotonic() >= deadline:
                raise _Stop(
                    "deadline",
                    f"overall deadline of {self.limits.deadline:g} s reached "
                    "(headers, body and redirects together)",
                ) from None
            raise _classify(exc) from None
        except (httpcore.ProtocolError, httpx.ProtocolError) as exc:
            raise _classify(exc) from None
        except (httpcore.NetworkError, httpx.TransportError, ssl.SSLError, OSError) as exc:
            raise _classify(exc) from None

    def _read(self, response: httpx.Response, hop: Hop) -> str | None:
        hop.status = response.status_code
        hop.reason = response.reason_phrase
        hop.http_version = response.http_version
        hop.headers = _latin1(response.headers.raw)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise _Stop("too_large", f"Content-Length {declared} exceeds {self.limits.max_bytes}")
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise _Stop("too_large", f"body exceeds {self.limits.max_bytes} bytes")
            parts.append(chunk)
        hop.raw_body = b"".join(parts)
        hop.complete = True
        location: str | None = response.headers.get("location")
        if response.status_code in _REDIRECTS and location:
            return location
        return None

    def _finish(self, result: FetchResult, hop: Hop) -> None:
        encoding = next((v for k, v in hop.headers if k.lower() == "content-encoding"), "")
        decoder = BoundedDecoder(encoding, self.limits.max_decoded_bytes)
        try:
            decoder.feed(hop.raw_body)
            result.body = decoder.finish()
        except DecodedTooLarge as exc:
            raise _Stop("decompression_bomb", str(exc)) from None
        except DecodeError as exc:
            raise _Stop("malformed", str(exc)) from None
        if decoder.undecoded:
            result.error = f"Content-Encoding {', '.join(decoder.undecoded)} not decoded"
        if hop.status is not None and hop.status >= 400:
            result.outcome = "http_error"
