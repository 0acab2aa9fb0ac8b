"""The monitor's network side: many guarded, polite, async HTTP checks at once.

Why not the evidence `Fetcher`: it is synchronous and builds a fresh TLS
context per request (~0.2 s of CPU), which caps a monitor at a few checks per
second. The probe reuses evidence's SSRF `Guard`, its resolver and its bounded
decoder; every connection (the first and every redirect) goes through
`_GuardedBackend`, which resolves the name, judges every address and connects
only to a judged one. Evidence proper (WARC) is still captured by the evidence
Fetcher, once, when a check changes an item's verdict.

Politeness: a global rate (token bucket), a per-host concurrency limit, a
global concurrency limit, a timeout per read, an overall deadline per check
(a server that sends one byte every half second is cut there, and its slot goes
to the next check), retries with exponential backoff for transport failures
only, and a descriptive User-Agent.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import random
import ssl
import time
import typing
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpcore
import httpx

from comity.evidence._decode import BoundedDecoder, DecodedTooLarge, DecodeError
from comity.evidence._transport import judge
from comity.evidence.guard import DnsFailure, Guard, GuardRefusal, Resolver
from comity.tracking._aiostream import connect
from comity.urls._addresses import IPAddress

__all__ = ["USER_AGENT", "Politeness", "ProbeResult", "Prober"]

USER_AGENT = (
    "Comity-monitor/0.1 (+checks whether content reported for lawful removal is still online)"
)
HEAD_BYTES = 65_536  # kept for signature matching


@dataclass(frozen=True)
class Politeness:
    rate: float = 50.0  # requests per second, all hosts together
    per_host: int = 2  # requests in flight to one host name
    concurrency: int = 128  # requests in flight in total
    timeout: float = 10.0  # seconds one connect, read or write may wait
    deadline: float = 15.0  # seconds for the whole check: every hop, body and retry
    retries: int = 2  # extra attempts after a transport failure
    backoff: float = 0.5  # seconds before the first retry, doubled each time
    max_bytes: int = 20_000_000
    max_redirects: int = 5


@dataclass
class ProbeResult:
    url: str
    # ok, dns_error, timeout, deadline, connection_error, refused, malformed, too_large
    outcome: str
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    sha256: str | None = None
    head: bytes = b""
    ips: tuple[str, ...] = ()  # addresses the final host resolved to
    error: str | None = None
    attempts: int = 0


_Origin = tuple[bytes, bytes, int | None]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
DNS_TTL = 300.0  # seconds a host name's addresses are reused within one run


class _HostLimit:
    """The per-host semaphore and how many checks hold or wait for it."""

    __slots__ = ("semaphore", "users")

    def __init__(self, per_host: int) -> None:
        self.semaphore = asyncio.Semaphore(per_host)
        self.users = 0


class _Failure(Exception):
    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome


class _RateLimiter:
    """Token bucket: at most `rate` starts per second, bursts of up to one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = min(rate, 1.0)
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self.tokens) / self.rate)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the guard judged (or to an operator-configured route)."""

    def __init__(
        self,
        guard: Guard,
        resolve: Callable[[str], Awaitable[list[IPAddress]]],
        routes: Mapping[str, tuple[str, int]],
    ) -> None:
        self._guard = guard
        self._resolve = resolve
        self._routes = routes

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            self._guard.check_host(host)
            targets = judge(self._guard, host, await self._resolve(host), port, self._routes)
        except GuardRefusal as exc:
            raise _Failure("refused", str(exc)) from None
        except DnsFailure as exc:
            raise _Failure("dns_error", f"DNS: {exc}") from None
        last: Exception = httpcore.ConnectError(f"no address for {host}")
        for ip, target_port in targets:
            try:
                return await connect(ip, target_port, timeout)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used by the monitor")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Once per process (~50 ms of CPU to load the CA bundle), shared by every prober."""
    return httpx.create_ssl_context()


class _Pools:
    """One small connection pool per origin, at most `limit` of them.

    httpcore's pool scans every queued request on each change, so one shared
    pool with hundreds of requests in flight costs O(n^2) (measured: ~10 ms per
    request at 1,000 in flight on loopback). Per-origin pools hold at most
    `per_host` requests, which the per-host limit enforces anyway. Idle pools
    beyond `limit` are closed, least recently used first, so a run over many
    thousands of hosts keeps neither their sockets nor their memory.
    """

    def __init__(self, backend: _GuardedBackend, politeness: Politeness, limit: int) -> None:
        self._backend = backend
        self._politeness = politeness
        self._limit = limit
        self._pools: OrderedDict[_Origin, httpcore.AsyncConnectionPool] = OrderedDict()
        self._busy: dict[_Origin, int] = {}

    def acquire(self, origin: _Origin) -> httpcore.AsyncConnectionPool:
        pool = self._pools.get(origin)
        if pool is None:
            pool = httpcore.AsyncConnectionPool(
                ssl_context=_ssl_context(),
                max_connections=self._politeness.per_host,
                max_keepalive_connections=self._politeness.per_host,
                keepalive_expiry=30.0,
                retries=0,
                network_backend=self._backend,
            )
            self._pools[origin] = pool
        else:
            self._pools.move_to_end(origin)
        self._busy[origin] = self._busy.get(origin, 0) + 1
        return pool

    async def release(self, origin: _Origin) -> None:
        left = self._busy[origin] - 1
        if left:
            self._busy[origin] = left
        else:
            del self._busy[origin]
        if len(self._pools) <= self._limit:
            return
        for idle in [o for o in self._pools if o not in self._busy]:
            await self._pools.pop(idle).aclose()
            if len(self._pools) <= self._limit:
                return

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()


class Prober:
    """Check many URLs concurrently; use as `async with Prober(...) as p: await p.check_all(urls)`.

    `routes` maps a host name to the (ip, port) to connect to instead, over
    plain HTTP (the demo internet's loopback server speaks HTTP only).

    Requests go straight to httpcore: the monitor only ever sends a bodiless
    GET, so httpx's client layer (cookie jar, auth, event hooks, URL merging)
    was a fifth of the CPU per check and bought nothing; redirects are followed
    here, each hop through the guarded backend.
    """

    def __init__(
        self,
        *,
        guard: Guard,
        resolver: Resolver,
        politeness: Politeness = Politeness(),
        routes: Mapping[str, tuple[str, int]] | None = None,
        user_agent: str = USER_AGENT,
        max_pools: int = 512,
    ) -> None:
        self.politeness = politeness
        self.routes = dict(routes or {})
        self._resolver = resolver
        self._dns: dict[str, tuple[float, asyncio.Future[list[IPAddress]]]] = {}
        self._limiter = _RateLimiter(politeness.rate)
        self._global = asyncio.Semaphore(politeness.concurrency)
        self._hosts: dict[str, _HostLimit] = {}
        self._pools = _Pools(
            _GuardedBackend(guard, self._resolve, self.routes), politeness, max_pools
        )
        self._headers = [
            (b"User-Agent", user_agent.encode("ascii")),
            (b"Accept", b"*/*"),
            (b"Accept-Encoding", b"identity"),
        ]
        timeout = politeness.timeout
        self._extensions = {"timeout": dict.fromkeys(("connect", "read", "write", "pool"), timeout)}

    async def __aenter__(self) -> Prober:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._pools.aclose()

    async def _resolve(self, host: str) -> list[IPAddress]:
        # One lookup per host name while its answer is fresh: thousands of URLs share
        # few hosts. A failed lookup is not kept (the next check asks again).
        now = time.monotonic()
        cached = self._dns.get(host)
        if cached is None or cached[0] < now:
            future: asyncio.Future[list[IPAddress]] = asyncio.get_running_loop().create_future()
            self._dns[host] = (now + DNS_TTL, future)
            try:
                found = await asyncio.to_thread(self._resolver, host, self.politeness.timeout)
                future.set_result(list(found))
            except BaseException as exc:  # handed to every waiter, then re-raised
                self._dns.pop(host, None)
                if isinstance(exc, asyncio.CancelledError):
                    # This check hit its deadline mid-lookup: the lookup is abandoned,
                    # so waiters must not wait on it (nor later checks find it cached).
                    exc = DnsFailure(f"{host}: lookup abandoned at a check's deadline")
                future.set_exception(exc)
                future.exception()  # mark retrieved: waiters get it via await
                raise
        else:
            future = cached[1]
        return list(await asyncio.shield(future))

    def _target(self, url: httpx.URL) -> httpx.URL:
        if url.scheme not in ("http", "https"):
            raise _Failure("malformed", f"scheme {url.scheme!r} is not checked: only http(s)")
        if url.host in self.routes and url.scheme == "https":
            return url.copy_with(scheme="http", port=None)
        return url

    async def check_all(self, urls: Sequence[str]) -> list[ProbeResult]:
        return list(await asyncio.gather(*(self.check(u) for u in urls)))

    async def check(self, url: str) -> ProbeResult:
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            return ProbeResult(url=url, outcome="malformed", error=f"invalid URL: {exc}")
        host = (parsed.host or "").lower()
        limit = self._hosts.get(host)
        if limit is None:
            limit = self._hosts[host] = _HostLimit(self.politeness.per_host)
        limit.users += 1
        try:
            async with self._global, limit.semaphore:
                await self._limiter.acquire()
                return await self._attempts(url, parsed)
        finally:
            limit.users -= 1
            if not limit.users:  # nothing waits on it: the map stays as small as the work
                del self._hosts[host]

    async def _attempts(self, url: str, parsed: httpx.URL) -> ProbeResult:
        """Attempts with backoff, all within the deadline (counted from the first start)."""
        result = ProbeResult(url=url, outcome="ok")
        deadline = self.politeness.deadline
        tried = 0
        try:
            async with asyncio.timeout(deadline):
                for attempt in range(self.politeness.retries + 1):
                    if attempt:
                        delay = self.politeness.backoff * (2 ** (attempt - 1))
                        await asyncio.sleep(delay * (0.5 + random.random()))  # jitter
                        await self._limiter.acquire()
                    tried = attempt + 1
                    result = await self._once(url, parsed)
                    result.attempts = tried
                    if result.outcome in ("ok", "refused", "too_large", "malformed"):
                        break
        except TimeoutError:
            return ProbeResult(
                url=url,
                outcome="deadline",
                error=f"overall deadline of {deadline:g} s reached "
                "(headers, body, redirects and retries together)",
                attempts=tried,
            )
        return result

    async def _once(self, url: str, parsed: httpx.URL) -> ProbeResult:
        result = ProbeResult(url=url, outcome="ok")
        try:
            current = self._target(parsed)
            for _ in range(self.politeness.max_redirects + 1):
                location = await self._hop(current, result)
                if location is None:
                    break
                current = self._target(current.join(location))
            else:
                raise _Failure("malformed", f"more than {self.politeness.max_redirects} redirects")
            cached = self._dns.get((current.host or "").lower())
            if cached is not None and cached[1].done() and not cached[1].exception():
                result.ips = tuple(str(a) for a in cached[1].result())
        except _Failure as exc:
            result.outcome, result.error = exc.outcome, str(exc)
        except httpcore.TimeoutException as exc:
            result.outcome, result.error = "timeout", f"timed out: {exc}"
        except (httpcore.UnsupportedProtocol, httpcore.LocalProtocolError) as exc:
            result.outcome, result.error = "malformed", f"{type(exc).__name__}: {exc}"
        except (httpcore.ProtocolError, httpcore.NetworkError, OSError) as exc:
            result.outcome, result.error = "connection_error", f"{type(exc).__name__}: {exc}"
        except httpx.InvalidURL as exc:
            result.outcome, result.error = "malformed", f"invalid URL: {exc}"
        return result

    async def _hop(self, url: httpx.URL, result: ProbeResult) -> str | None:
        """One request; the Location to follow, or None once `result` holds the answer."""
        origin = (url.raw_scheme, url.raw_host, url.port)
        request = httpcore.Request(
            method=b"GET",
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=[(b"Host", url.netloc), *self._headers],
            extensions=self._extensions,
        )
        pool = self._pools.acquire(origin)
        try:
            response = await pool.handle_async_request(request)
            try:
                headers = _headers(response.headers)
                location = headers.get("location")
                if response.status in _REDIRECTS and location:
                    return location  # closing unread drops the connection: fine for a hop
                result.status, result.final_url, result.headers = response.status, str(url), headers
                await self._read(response, result)
                return None
            finally:
                await response.aclose()
        finally:
            await self._pools.release(origin)

    async def _read(self, response: httpcore.Response, result: ProbeResult) -> None:
        """Hash the decoded body within the byte bound; keep its head for signatures."""
        limit = self.politeness.max_bytes
        encoding = result.headers.get("content-encoding", "").strip().lower()
        # We ask for identity; a server that compresses anyway is decoded with
        # evidence's bounded decoder so a decompression bomb stops at the bound.
        decoder = BoundedDecoder(encoding, limit) if encoding not in ("", "identity") else None
        digest = hashlib.sha256()
        head = bytearray()
        size = 0
        try:
            async for chunk in response.aiter_stream():
                size += len(chunk)
                if size > limit:
                    result.outcome, result.error = "too_large", f"body exceeds {limit} bytes"
                    return
                if decoder is not None:
                    decoder.feed(chunk)
                    continue
                digest.update(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
            if decoder is not None:
                body = decoder.finish()
                digest.update(body)
                head = bytearray(body[:HEAD_BYTES])
        except DecodedTooLarge as exc:
            result.outcome, result.error = "too_large", str(exc)
            return
        except DecodeError as exc:
            result.outcome, result.error = "malformed", str(exc)
            return
        result.sha256 = digest.hexdigest()
        result.head = bytes(head)


def _headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-case names; a repeated header's values joined with ', ' (as httpx does)."""
    out: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out
