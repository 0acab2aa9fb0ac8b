"""Migrations: models match `alembic upgrade head`, and every revision goes up
and down with data in it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from comity.core.db import _create
from comity.core.migrate import alembic_config, current_revision, downgrade, upgrade
from comity.core.models import metadata
from tests.conftest import create_pg_database, drop_pg_database


def _seed_0001(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO users (name, role, active, created_at) "
            "VALUES ('mig', 'analyst', true, CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO items (url, url_key, host, state, priority, created_at, "
            "updated_at) VALUES ('https://a.example/', 'k1', 'a.example', 'reported', "
            "'standard', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )


def _check_0001(conn: Connection) -> None:
    assert conn.execute(text("SELECT role FROM users WHERE name = 'mig'")).scalar() == "analyst"
    assert conn.execute(text("SELECT host FROM items WHERE url_key = 'k1'")).scalar() == "a.example"


# revision -> (insert rows that exercise the revision's tables, check them later)
SEEDS: dict[str, tuple[Callable[[Connection], None], Callable[[Connection], None]]] = {
    "0001": (_seed_0001, _check_0001),
}


def _revisions(engine: Engine) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(engine))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = _create(f"sqlite:///{tmp_path / 'blank.db'}")
        yield engine
        engine.dispose()
        return
    base = os.environ.get("COMITY_TEST_PG_URL")
    if not base:
        pytest.skip("COMITY_TEST_PG_URL not set: run `make test`, which starts PostgreSQL")
    name = f"comity_mig_{uuid.uuid4().hex[:8]}"
    engine = _create(create_pg_database(base, name))
    yield engine
    engine.dispose()
    drop_pg_database(base, name)


def test_every_revision_has_a_data_seed(blank_engine: Engine) -> None:
    assert set(_revisions(blank_engine)) == set(SEEDS)


def test_models_match_upgrade_head(blank_engine: Engine) -> None:
    upgrade(blank_engine)
    with blank_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_each_revision_upgrades_and_downgrades_with_data(blank_engine: Engine) -> None:
    revisions = _revisions(blank_engine)
    for i, revision in enumerate(revisions):
        upgrade(blank_engine, revision)
        with blank_engine.begin() as conn:
            SEEDS[revision][0](conn)
        downgrade(blank_engine, revisions[i - 1] if i else "base")
        upgrade(blank_engine, revision)
        assert current_revision(blank_engine) == revision
        with blank_engine.begin() as conn:
            for earlier in revisions[:i]:
                SEEDS[earlier][1](conn)  # data of earlier revisions survived the round trip
            SEEDS[revision][0](conn)
            SEEDS[revision][1](conn)
    downgrade(blank_engine, "base")
    assert current_revision(blank_engine) is None
