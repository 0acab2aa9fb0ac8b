"""The reports' small world (10 requested items in 3 dossiers, 2 never requested)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.reports.conftest import World, build_world


@pytest.fixture
def world(engine: Engine, staff: dict[str, str]) -> World:
    return build_world(engine)
