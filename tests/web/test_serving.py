"""`comity serve`: TCP_NODELAY on every connection, whatever socket uvicorn made."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from comity.core.settings import Settings
from comity.web.serving import NoDelayH11Protocol, uvicorn_config


async def _never_called(scope: object, receive: object, send: object) -> None:
    raise AssertionError


async def _accepted_nodelay() -> int:
    """TCP_NODELAY of a connection accepted, as in uvicorn's worker processes, from
    the listening socket `uvicorn.Config.bind_socket` makes (protocol number 0)."""
    config = uvicorn_config(_never_called, host="127.0.0.1", port=0, settings=Settings())
    config.load()
    assert config.http_protocol_class is NoDelayH11Protocol
    listener = config.bind_socket()
    assert listener.proto == 0  # such sockets are why asyncio skipped TCP_NODELAY
    protocols: list[H11Protocol] = []

    def factory() -> H11Protocol:
        protocol = NoDelayH11Protocol(config=config, server_state=ServerState(), app_state={})
        protocols.append(protocol)
        return protocol

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, sock=listener)
    try:
        host, port = listener.getsockname()[:2]
        _reader, writer = await asyncio.open_connection(host, port)
        for _ in range(200):
            if protocols and protocols[0].transport is not None:
                break
            await asyncio.sleep(0.01)
        sock = protocols[0].transport.get_extra_info("socket")
        value = int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()
        return value
    finally:
        server.close()
        await server.wait_closed()


def test_serve_sets_tcp_nodelay_on_connections_from_a_protocol_zero_socket() -> None:
    assert asyncio.run(_accepted_nodelay()) != 0


def test_a_worker_reads_the_knowledge_base_when_its_app_is_built_not_at_its_first_request(
    tmp_path: Path,
) -> None:
    # A fresh process with an empty knowledge-base cache, as a `serve` worker after a new
    # version of the law: building the app must validate the knowledge base and write its
    # cache entry, so that no request of that worker waits for it.
    cache = tmp_path / "kbcache"
    script = (
        "from comity.core.settings import Settings\n"
        "from comity.web.app import create_app\n"
        f"create_app(Settings(home={str(tmp_path)!r}, database_url="
        f"{'sqlite:///' + str(tmp_path / 'w.db')!r}))\n"
    )
    env = os.environ | {"COMITY_KB_CACHE": str(cache), "COMITY_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
    assert [p.name.startswith("kb-") for p in cache.iterdir()] == [True]
