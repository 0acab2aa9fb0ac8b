"""How `comity serve` runs uvicorn: proxies it believes, and several processes.

A reverse proxy tells the application the client's address in
`X-Forwarded-For`. Anyone can send that header, so it is believed only from
the proxies named in `COMITY_TRUSTED_PROXIES` (addresses or networks). The
default is nobody, loopback included: uvicorn's own default trusts 127.0.0.1,
which lets any local process, or a proxy that passes the header through
unchanged, choose the address that log-in throttling counts against.

`comity serve --workers N` runs N processes on one listening socket. uvicorn
creates that socket with `socket.socket(family)`, whose protocol number is 0,
and asyncio sets TCP_NODELAY only on accepted sockets whose protocol number
is IPPROTO_TCP; so in uvicorn's worker processes Nagle's algorithm held each
response's last segment until the client's delayed ACK, about 40 ms per
request. `NoDelayH11Protocol` sets TCP_NODELAY on every connection itself
(`bench/bench_serve_workers.py` measures it).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from comity.core.settings import Settings

__all__ = ["NoDelayH11Protocol", "app_from_environment", "uvicorn_config"]


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with TCP_NODELAY set on each TCP connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # OSError: the peer is already gone, which h11 finds out soon enough.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[arg-type]


def app_from_environment() -> FastAPI:
    """The application as each worker process builds it, from the inherited settings."""
    from comity.core.settings import get_settings
    from comity.web.app import create_app

    return create_app(get_settings())


def uvicorn_config(
    app: ASGIApp | str,
    *,
    host: str,
    port: int,
    settings: Settings,
    log_level: str = "info",
    workers: int = 1,
) -> uvicorn.Config:
    """`app` is the application, or with `workers` > 1 an import string of a factory."""
    trusted = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        factory=isinstance(app, str),
        workers=workers,
        http=NoDelayH11Protocol,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
        ws="none",
        lifespan="off",
        log_level=log_level,
    )
