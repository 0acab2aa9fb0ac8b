"""Attacker stories for the command line outside development mode: `--by` must be proven."""

from __future__ import annotations

import os
import pty
import select as io_select
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.audit import AuditEvent
from comity.core.db import session_scope
from comity.core.settings import Settings, override_settings
from comity.intake.models import Item
from comity.users.service import set_password
from comity.web.models import LoginFailure
from comity.web.tokens import create_token

PASSPHRASE = "seven quiet rivers at dawn"
URL = "https://by.example/post"


@pytest.fixture
def production(settings: Settings, staff: dict[str, str]) -> Iterator[Settings]:
    current = settings.model_copy(update={"mode": "production", "secret_key": "s" * 40})
    with override_settings(current):
        yield current


def _token(engine: Engine, name: str, scopes: list[str]) -> str:
    with session_scope(engine) as session:
        return create_token(session=session, actor=name, name="cli", scopes=scopes).token


def _run(*args: str, token: str | None = None) -> tuple[int, str]:
    env = {"COMITY_TOKEN": token} if token else {}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _items(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Item)) or 0)


def _refusals(engine: Engine) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "cli.refused"))
        return [(e.actor, e.data["reason"]) for e in events]


def test_by_without_a_credential_is_refused_outside_development_mode_and_audited(
    production: Settings, engine: Engine
) -> None:
    code, output = _run("intake", "add", URL, "--conduct", "terrorism.threat", "--by", "alice")
    assert code == 1
    assert "--by alice: outside development mode, prove it: set COMITY_TOKEN" in output
    assert _items(engine) == 0
    ((who, why),) = _refusals(engine)
    assert who == "alice" and why.startswith("--by alice: outside development mode")


def test_a_token_of_another_user_does_not_prove_by(production: Settings, engine: Engine) -> None:
    alice = _token(engine, "alice", ["read", "intake"])
    code, output = _run(
        "intake", "add", URL, "--conduct", "terrorism.threat", "--by", "alan", token=alice
    )
    assert code == 1 and "COMITY_TOKEN is a token of alice, not of alan" in output
    assert _items(engine) == 0


def test_the_users_own_token_with_the_scope_acts(production: Settings, engine: Engine) -> None:
    alice = _token(engine, "alice", ["read", "intake"])
    code, output = _run(
        "intake", "add", URL, "--conduct", "terrorism.threat", "--by", "alice", token=alice
    )
    assert code == 0, output
    assert _items(engine) == 1


def test_a_token_without_the_commands_scope_is_refused_and_audited(
    production: Settings, engine: Engine
) -> None:
    reader = _token(engine, "alice", ["read"])
    code, output = _run(
        "intake", "add", URL, "--conduct", "terrorism.threat", "--by", "alice", token=reader
    )
    assert code == 1 and "COMITY_TOKEN lacks scope 'intake', needed to intake" in output
    assert _items(engine) == 0
    assert _refusals(engine) == [("alice", "COMITY_TOKEN lacks scope 'intake', needed to intake")]


def test_a_read_token_cannot_mint_itself_a_wider_one(production: Settings, engine: Engine) -> None:
    reader = _token(engine, "ada", ["read"])
    code, output = _run("token", "create", "--scope", "admin", "--by", "ada", token=reader)
    assert code == 1 and "a token mints no wider token" in output


def test_the_first_admin_needs_no_credential(settings: Settings, engine: Engine) -> None:
    production = settings.model_copy(update={"mode": "production", "secret_key": "s" * 40})
    with override_settings(production):
        code, output = _run("user", "add", "ada", "--role", "admin")
        assert code == 0, output
        code, output = _run("user", "add", "eve", "--role", "admin", "--by", "ada")
        assert code == 1 and "prove it" in output


def _read_until(fd: int, marker: bytes, seconds: float = 30) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = io_select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
    return seen


def _at_a_terminal(settings: Settings, args: list[str], password: str) -> tuple[int, bytes]:
    """Run `comity ARGS` in a real pseudo-terminal and type `password` at its prompt."""
    main, child = pty.openpty()
    env = os.environ | {
        "COMITY_MODE": "production",
        "COMITY_SECRET_KEY": "s" * 40,
        "COMITY_HOME": str(settings.home),
        "COMITY_DATABASE_URL": settings.resolved_database_url,
    }
    env.pop("COMITY_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "comity", *args],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        start_new_session=True,  # no controlling terminal: getpass reads the pty on stdin
    )
    os.close(child)
    try:
        seen = _read_until(main, b"password for ")
        os.write(main, password.encode() + b"\n")
        seen += _read_until(main, b"\n\n", seconds=30)
        return process.wait(timeout=60), seen
    finally:
        os.close(main)


def test_the_password_typed_at_a_terminal_proves_by_and_a_wrong_one_is_refused(
    settings: Settings, engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "comity.users.service._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    with session_scope(engine) as session:
        set_password(session=session, name="alice", password=PASSPHRASE, actor="alice")
    add = ["intake", "add", URL, "--conduct", "terrorism.threat", "--by", "alice"]
    code, seen = _at_a_terminal(settings, add, "not the passphrase")
    assert code == 1 and b"--by alice: wrong password" in seen
    assert PASSPHRASE.encode() not in seen and b"not the passphrase" not in seen  # no echo
    assert _items(engine) == 0
    code, seen = _at_a_terminal(settings, add, PASSPHRASE)
    assert code == 0, seen
    assert _items(engine) == 1
    assert _refusals(engine) == [("alice", "--by alice: wrong password")]
    with session_scope(engine) as session:  # and the wrong password counts in the throttle
        keys = set(session.scalars(select(LoginFailure.key)))
    assert keys == {"user:alice", "ip:cli"}
