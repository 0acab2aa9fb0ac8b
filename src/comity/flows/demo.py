"""`comity demo`: the whole pipeline on the demo internet, on an embedded SQLite database.

Each step calls the same services as the command line. The demo runs in its
own data folder (`<home>/demo`), recreated on every run so that the story it
prints is always the same one.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from comity.core.db import reset_engines, utcnow
from comity.core.settings import Settings, get_settings, override_settings

__all__ = ["DEMO_USERS", "DemoContext", "run_demo"]

# name, role, password: demo log-ins printed at the end (development mode only).
DEMO_USERS = (
    ("ada", "admin", "demo-admin-pass"),
    ("alice", "analyst", "demo-analyst-pass"),
    ("alan", "analyst", "demo-analyst-pass"),
    ("rita", "legal_reviewer", "demo-reviewer-pass"),
    ("leo", "liaison", "demo-liaison-pass"),
    ("sam", "supervisor", "demo-supervisor-pass"),
    ("aud", "auditor", "demo-auditor-pass"),
)


@dataclass
class DemoContext:
    console: Console
    settings: Settings
    net: Any  # comity.demo.internet.DemoInternet
    facts: dict[str, Any] = field(default_factory=dict)

    def say(self, message: str) -> None:
        self.console.print(message)

    def settings_today(self) -> Any:
        return utcnow().date()


def run_demo(*, console: Console, home: Path | None = None, serve: bool = False) -> DemoContext:
    """Run every step on a fresh demo database; return what happened."""
    from comity.demo.internet import start

    base = get_settings()
    home = home or base.home / "demo"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    with start() as net:
        settings = Settings(
            home=home,
            mode="development",
            database_url=f"sqlite:///{home / 'comity.db'}",
            fetch_allow=("127.0.0.1", "::1"),
            dns_servers=(f"127.0.0.1:{net.dns_port}",),
            connect_overrides=tuple(
                f"{name}={h}:{p}" for name, (h, p) in net.address_map().items()
            ),
            # A deployment sets these (COMITY_SENDER_*): the signed documents need them.
            sender_seal="Ministry of Foreign Affairs of the Republic of Kazakhstan (demo seal)",
            sender_initials="D.M.",
            central_authority_seal="Prosecutor General's Office of the Republic of Kazakhstan "
            "(demo seal)",
            central_authority_initials="D.P.",
            sender_contact_email="liaison@atc.kz.invalid",
            sender_contact_phone="+7 7172 00 00 00",
        )
        reset_engines()
        with override_settings(settings):
            ctx = DemoContext(console=console, settings=settings, net=net)
            console.print(
                f"[bold]Comity demo[/bold] in {home} "
                f"(demo DNS 127.0.0.1:{net.dns_port}, HTTP 127.0.0.1:{net.http_port})"
            )
            from comity.flows.demo_steps import STEPS

            for name, step in STEPS:
                with console.status(f"{name}…"):
                    step(ctx)
            if serve:
                _serve(ctx)
        reset_engines()
    return ctx


def _serve(ctx: DemoContext) -> None:
    """Serve the web application on 127.0.0.1 until Ctrl-C (the demo internet stays up)."""
    import contextlib
    import os
    import socket

    import uvicorn

    from comity.web.app import create_app

    wanted = int(os.environ.get("COMITY_DEMO_PORT") or 8000)
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", wanted))
            port = wanted
        except OSError:  # taken: any free port will do for a demo
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
    ctx.say(f"\n[bold]Comity is running at http://127.0.0.1:{port}/[/bold] (Ctrl-C stops it)")
    if ctx.settings.mode == "development":
        ctx.say("demo log-ins (development mode only):")
        for name, role, password in DEMO_USERS:
            ctx.say(f"  {name:6} {role:15} {password}")
    config = uvicorn.Config(
        create_app(ctx.settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="off",
    )
    # uvicorn handles Ctrl-C itself; a second one may still reach us.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    ctx.say("web application stopped")
