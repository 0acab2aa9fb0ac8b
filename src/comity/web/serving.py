"""How `comity serve` runs uvicorn: which proxies may say who the client is.

A reverse proxy tells the application the client's address in
`X-Forwarded-For`. Anyone can send that header, so it is believed only from
the proxies named in `COMITY_TRUSTED_PROXIES` (addresses or networks). The
default is nobody, loopback included: uvicorn's own default trusts 127.0.0.1,
which lets any local process, or a proxy that passes the header through
unchanged, choose the address that log-in throttling counts against.
"""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from comity.core.settings import Settings

__all__ = ["uvicorn_config"]


def uvicorn_config(
    app: ASGIApp, *, host: str, port: int, settings: Settings, log_level: str = "info"
) -> uvicorn.Config:
    trusted = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
        ws="none",
        lifespan="off",
        log_level=log_level,
    )
