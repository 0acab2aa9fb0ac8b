"""Alembic, driven from code: the migrations ship inside the package."""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "upgrade",
    "upgrade_if_needed",
]


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("comity") / "migrations"))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def newest_file_revision() -> str:
    """The head as the migration file names say (NNNN_*.py, numbered in order).

    Every command checks the schema; reading file names costs microseconds where
    importing Alembic costs a second. tests/core/test_migrations.py checks that
    this agrees with Alembic's own idea of the head.
    """
    names = [p.name for p in (resources.files("comity") / "migrations" / "versions").iterdir()]
    numbers = [m.group(1) for n in names if (m := re.match(r"^(\d{4})_\w+\.py$", n))]
    return max(numbers)


def _stored_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_if_needed(engine: Engine) -> None:
    if _stored_revision(engine) != newest_file_revision():
        upgrade(engine)
