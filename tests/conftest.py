"""Shared fixtures: a fresh, migrated database per test on SQLite or PostgreSQL.

`COMITY_DATABASE_URL=postgresql+...` runs the whole suite on PostgreSQL (CI
does both); otherwise each test gets its own SQLite file copied from a
migrated template.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from comity.core.db import _create, get_engine, reset_engines, session_scope
from comity.core.migrate import upgrade
from comity.core.models import metadata
from comity.core.settings import Settings, override_settings
from comity.users.service import add_user

PG_ENV = "COMITY_DATABASE_URL"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to run against PostgreSQL or Redis that tools/services.sh did not start.

    The URLs come from var/test-services.env; between `services.sh start` and
    this run a foreign server could have taken a port (issue 13), so the script
    checks again that each server reports this run's data folder.
    """
    if not os.environ.get("COMITY_TEST_SERVICES_DIR"):
        return  # no services from the script (SQLite only, or URLs given by hand)
    script = Path(__file__).resolve().parents[1] / "tools" / "services.sh"
    import subprocess

    done = subprocess.run(["bash", str(script), "check"], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.exit(f"test services: {done.stderr.strip()}", returncode=3)


# Loopback test servers listen on ephemeral ports: tests opt in to them (and to
# 127.0.0.1 and ::1 through fetch_allow) explicitly, as an operator would.
TEST_SERVER_PORTS = ("80", "443", "1024-65535")


def _pg_url() -> str | None:
    url = os.environ.get(PG_ENV)
    return url if url and url.startswith("postgresql") else None


def create_pg_database(base_url: str, name: str) -> str:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(base_url: str, name: str) -> None:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _db_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    base = _pg_url()
    if base:
        name = f"comity_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        url = create_pg_database(base, name)
        engine = _create(url)
        upgrade(engine)
        engine.dispose()
        yield ("postgresql", url)
        drop_pg_database(base, name)
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = _create(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    yield ("sqlite", str(path))


def _truncate(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, _db_template: tuple[str, str]) -> Iterator[Settings]:
    kind, where = _db_template
    if kind == "sqlite":
        target = tmp_path / "comity.db"
        shutil.copyfile(where, target)
        url = f"sqlite:///{target}"
    else:
        _truncate(where)
        url = where
    current = Settings(
        home=tmp_path,
        database_url=url,
        fetch_allow=("127.0.0.1", "::1"),
        fetch_allowed_ports=TEST_SERVER_PORTS,
        user=None,
        # What a signed document (note verbale, letter of request) needs.
        sender_seal="Ministry of Foreign Affairs of the Republic of Kazakhstan (test seal)",
        sender_initials="T.E.",
        central_authority_seal="Prosecutor General's Office of the Republic of Kazakhstan (test)",
        central_authority_initials="C.A.",
        sender_contact_email="liaison@atc.example",
        sender_contact_phone="+7 7172 000000",
    )
    reset_engines()
    with override_settings(current):
        yield current
    reset_engines()


@pytest.fixture
def engine(settings: Settings) -> Engine:
    return get_engine()


@pytest.fixture
def staff(engine: Engine) -> dict[str, str]:
    """One user per role: name by role."""
    names = {
        "admin": "ada",
        "analyst": "alice",
        "legal_reviewer": "rita",
        "liaison": "leo",
        "supervisor": "sam",
        "auditor": "aud",
    }
    with session_scope(engine) as session:
        add_user(session=session, name="ada", role="admin", actor=None)
        for role, name in names.items():
            if role != "admin":
                add_user(session=session, name=name, role=role, actor="ada")
        add_user(session=session, name="alan", role="analyst", actor="ada")
    return names
