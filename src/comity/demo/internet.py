"""`comity.demo.internet.start()`: the loopback DNS + HTTP servers of the demo internet.

Demo names resolve (on our DNS server only) to real public addresses, so
attribution is real; capture and monitoring must not connect to those public
addresses, so `address_map()` tells them which loopback address to use instead.
"""

from __future__ import annotations

from comity.demo.dnsserver import LoopbackDnsServer, ZoneResolver
from comity.demo.httpserver import DemoHttpServer
from comity.demo.sites import DemoSite, load_sites, zone_records
from comity.hosting.dns import ResolverConfig

__all__ = ["DemoInternet", "start"]


class DemoInternet:
    """Running demo servers; a context manager that stops them on exit."""

    def __init__(
        self, sites: tuple[DemoSite, ...], *, host: str, dns_port: int, http_port: int
    ) -> None:
        self.sites = sites
        self.host = host
        self._moved: frozenset[str] = frozenset()
        self._zone = ZoneResolver(zone_records(sites), soa_name="test")
        self._dns = LoopbackDnsServer(self._zone, host=host, port=dns_port)
        try:
            self._http = DemoHttpServer(sites, host=host, port=http_port)
        except OSError:
            self._dns.stop()
            raise
        self._dns.start()
        self._http.start()

    @property
    def dns_port(self) -> int:
        return self._dns.port

    @property
    def http_port(self) -> int:
        return self._http.port

    @property
    def http_address(self) -> tuple[str, int]:
        return (self.host, self._http.port)

    @property
    def resolver_config(self) -> ResolverConfig:
        """Resolver settings that send attribution's DNS queries to the demo DNS server."""
        return ResolverConfig(nameservers=(self.host,), port=self._dns.port, timeout=2.0)

    def address_map(self) -> dict[str, tuple[str, int]]:
        """Demo host name -> loopback (host, port) to connect to instead of the public address."""
        return {site.name: self.http_address for site in self.sites}

    def move(self, name: str) -> None:
        """Make a site with `moves_to` resolve to its new host (the "moved" demo case)."""
        site = next((s for s in self.sites if s.name == name and s.moves_to), None)
        if site is None:
            raise KeyError(f"{name} is not a demo site that can move")
        self._moved = self._moved | {name}
        self._zone.set_records(zone_records(self.sites, moved=self._moved))

    def take_down(self, name: str) -> None:
        """The host of demo site `name` removes its content: every path then answers 404."""
        self._http.take_down(name)

    def serving(self) -> list[str]:
        """Demo sites that answer 200 now (not taken down), in the order of sites.yaml."""
        return [s.name for s in self.sites if s.http == "ok" and not self._http.is_down(s.name)]

    def remove(self, name: str, path: str) -> None:
        """The host of demo site `name` removes the content at `path` (404 there only)."""
        self._http.remove(name, path)

    def put_back(self, name: str) -> None:
        """The host of demo site `name` puts its content back online (reinstated)."""
        self._http.put_back(name)

    def stop(self) -> None:
        self._http.stop()
        self._dns.stop()

    def __enter__(self) -> DemoInternet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(host: str = "127.0.0.1", dns_port: int = 0, http_port: int = 0) -> DemoInternet:
    """Start the demo DNS and HTTP servers on loopback (port 0 = any free port)."""
    return DemoInternet(load_sites(), host=host, dns_port=dns_port, http_port=http_port)
