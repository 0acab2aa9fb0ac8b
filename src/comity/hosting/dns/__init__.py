"""DNS resolution for attribution (shared asyncio UDP sockets, dnspython messages)."""

from comity.hosting.dns._resolve import (
    DnsRecord,
    DnsResult,
    DnsStatus,
    ResolverConfig,
    resolve,
    resolve_many,
    resolve_many_sync,
    validate_hostname,
)

__all__ = [
    "DnsRecord",
    "DnsResult",
    "DnsStatus",
    "ResolverConfig",
    "resolve",
    "resolve_many",
    "resolve_many_sync",
    "validate_hostname",
]
