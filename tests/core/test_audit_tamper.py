"""Attacker stories against the data behind the audit chain, and against its head.

A database administrator can change rows without going through the services,
delete the newest events and move the head back, or restore an older database
file. `comity audit verify` must name each of these (the last two only against
a signed head exported earlier), and must refuse a forged head file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, select, text, update
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core import audit
from comity.core.audit import GENESIS, AuditEvent, AuditHead
from comity.core.db import get_engine, reset_engines, session_scope
from comity.core.settings import Settings, override_settings
from tests.cases.conftest import make_item, make_proposal
from tests.conftest import PG_ENV, drop_pg_database

runner = CliRunner()


def verify(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["audit", "verify", "--json", *args])
    return result.exit_code, json.loads(result.stdout)


def differences(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(d["object_type"], d["object_id"], d["problem"]) for d in report["data"]["differences"]]


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "audit.key"
    path.parent.mkdir()
    result = runner.invoke(app, ["audit", "keygen", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def export_head(key: Path, out: Path) -> dict[str, Any]:
    result = runner.invoke(
        app, ["audit", "head", "export", "--sign-key", str(key), "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_untouched_data_verifies_and_every_object_is_covered(
    engine: Engine, staff: dict[str, str]
) -> None:
    make_proposal(engine, make_item(engine))
    code, report = verify()
    assert code == 0 and report["ok"], report
    data = report["data"]
    # 7 users, 1 item, 1 proposal; all written through the services since digests exist.
    assert data["objects"] == 9 and data["covered"] == 9 and data["not_covered"] == 0
    assert data["differences"] == []


def test_a_proposal_approved_by_sql_is_reported(engine: Engine, staff: dict[str, str]) -> None:
    proposal = make_proposal(engine, make_item(engine))
    with session_scope(engine) as session:
        session.execute(
            text("UPDATE proposals SET state = 'approved', decided_by = 'sam' WHERE id = :id"),
            {"id": proposal},
        )
    code, report = verify()
    assert code == 1 and not report["ok"]
    assert report["reason"] is None  # the chain itself is intact: only the data changed
    assert differences(report) == [("proposal", str(proposal), "state_differs")]
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"proposal {proposal}: the row differs from its last audited event" in result.stdout


def test_a_role_raised_by_sql_and_a_row_inserted_by_sql_are_reported(
    engine: Engine, staff: dict[str, str]
) -> None:
    with session_scope(engine) as session:
        session.execute(text("UPDATE users SET role = 'admin' WHERE name = 'alice'"))
        session.execute(
            text(
                "INSERT INTO users (name, role, active, created_at) "
                "VALUES ('mallory', 'supervisor', true, CURRENT_TIMESTAMP)"
            )
        )
        alice = session.scalar(text("SELECT id FROM users WHERE name = 'alice'"))
        mallory = session.scalar(text("SELECT id FROM users WHERE name = 'mallory'"))
    code, report = verify()
    assert code == 1
    assert differences(report) == [
        ("user", str(alice), "state_differs"),
        ("user", str(mallory), "no_event"),
    ]


def _strip_row_digests(engine: Engine) -> None:
    """Rewrite the chain as it was before row digests existed (hashes consistent)."""
    with session_scope(engine) as session:
        prev = GENESIS
        for event in list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq))):
            event.row_digest, event.prev_hash = None, prev
            event.hash = prev = audit.rehash(event)
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))


def test_objects_whose_events_predate_digests_are_not_covered_rather_than_tampered(
    engine: Engine, staff: dict[str, str]
) -> None:
    proposal = make_proposal(engine, make_item(engine))
    _strip_row_digests(engine)
    with session_scope(engine) as session:
        session.execute(
            text("UPDATE proposals SET note = 'changed' WHERE id = :i"), {"i": proposal}
        )
    code, report = verify()
    assert code == 0 and report["ok"], report
    assert report["data"]["covered"] == 0 and report["data"]["not_covered"] == 9


def test_deleting_the_newest_events_and_moving_the_head_back_is_caught_against_a_signed_head(
    engine: Engine, staff: dict[str, str], key: Path, tmp_path: Path
) -> None:
    make_proposal(engine, make_item(engine))
    head = export_head(key, tmp_path / "head.json")
    code, report = verify("--against", str(tmp_path / "head.json"), "--public-key", f"{key}.pub")
    assert code == 0 and report["head"]["ok"] and report["head"]["signed"]
    with session_scope(engine) as session:
        keep = head["seq"] - 3
        kept_hash = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == keep))
        session.execute(delete(AuditEvent).where(AuditEvent.seq > keep))
        session.execute(update(AuditHead).values(seq=keep, hash=kept_hash))
    code, report = verify()
    # The chain alone looks whole (the data check may still see rows newer than
    # their last remaining event; a careful DBA deletes only such events).
    assert report["first_broken"] is None and report["reason"] is None
    code, report = verify("--against", str(tmp_path / "head.json"), "--public-key", f"{key}.pub")
    assert code == 1 and not report["head"]["ok"]
    problems = " ".join(report["head"]["problems"])
    assert f"event {head['seq']}, the exported head, is gone" in problems
    assert f"holds {head['count'] - 3} events but the exported head counted" in problems


class Backup:
    """A copy of the database taken mid-test, and a way to run Comity on it."""

    def __init__(self, settings: Settings, tmp_path: Path) -> None:
        self.settings, self.tmp_path = settings, tmp_path
        self.url: str | None = None

    def take(self) -> None:
        url = self.settings.resolved_database_url
        # No pooled connection may hold a template database (PostgreSQL); the
        # engine stays cached so that the test's teardown disposes it again.
        get_engine().dispose()
        if url.startswith("sqlite"):
            source = sqlite3.connect(url.split("///", 1)[1])
            target = sqlite3.connect(self.tmp_path / "backup.db")
            source.backup(target)
            source.close()
            target.close()
            self.url = f"sqlite:///{self.tmp_path / 'backup.db'}"
            return
        name = f"comity_bak_{uuid.uuid4().hex[:8]}"
        admin = create_engine(os.environ[PG_ENV], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"'))
        admin.dispose()
        self.url = make_url(url).set(database=name).render_as_string(hide_password=False)

    def restore(self) -> AbstractContextManager[Settings]:
        assert self.url is not None
        reset_engines()
        return override_settings(self.settings.model_copy(update={"database_url": self.url}))

    def drop(self) -> None:
        reset_engines()
        if self.url and not self.url.startswith("sqlite"):
            drop_pg_database(os.environ[PG_ENV], str(make_url(self.url).database))


@pytest.fixture
def backup(settings: Settings, tmp_path: Path) -> Iterator[Backup]:
    handle = Backup(settings, tmp_path)
    yield handle
    handle.drop()


def test_restoring_an_older_database_file_is_caught_against_a_signed_head(
    engine: Engine, staff: dict[str, str], key: Path, tmp_path: Path, backup: Backup
) -> None:
    backup.take()
    make_proposal(engine, make_item(engine))
    head = export_head(key, tmp_path / "head.json")
    with backup.restore():
        code, report = verify()
        assert code == 0, "the older file is consistent in itself"
        code, report = verify(
            "--against", str(tmp_path / "head.json"), "--public-key", f"{key}.pub"
        )
    assert code == 1 and not report["head"]["ok"]
    assert report["events"] < head["count"]
    problems = " ".join(report["head"]["problems"])
    assert "an older database was restored" in problems


def test_a_forged_head_file_is_refused(
    engine: Engine, staff: dict[str, str], key: Path, tmp_path: Path
) -> None:
    path = tmp_path / "head.json"
    head = export_head(key, path)
    # The forger lowers the count to match a truncated chain but cannot re-sign.
    forged = head | {"count": 1, "seq": 1}
    path.write_text(json.dumps(forged))
    code, report = verify("--against", str(path), "--public-key", f"{key}.pub")
    assert code == 1 and not report["head"]["signed"]
    assert report["head"]["problems"] == [
        "the head file's signature does not verify: forged or altered, refusing it"
    ]
    # Signed with the forger's own key: refused against ours.
    other = tmp_path / "keys" / "other.key"
    assert runner.invoke(app, ["audit", "keygen", "-o", str(other)]).exit_code == 0
    export_head(other, path)
    code, report = verify("--against", str(path), "--public-key", f"{key}.pub")
    assert code == 1 and not report["head"]["signed"]
    # Unsigned: refused too.
    path.write_text(json.dumps({k: v for k, v in head.items() if k != "signature"}))
    code, report = verify("--against", str(path), "--public-key", f"{key}.pub")
    assert code == 1 and report["head"]["problems"] == ["the head file is not signed"]


def test_the_signing_key_is_private_to_its_owner_and_never_overwritten(key: Path) -> None:
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    before = key.read_bytes()
    result = runner.invoke(app, ["audit", "keygen", "-o", str(key)])
    assert result.exit_code == 2 and "never overwritten" in result.stderr
    assert key.read_bytes() == before


def test_the_hourly_job_exports_a_signed_head_that_a_later_verify_accepts(
    engine: Engine, staff: dict[str, str], key: Path, settings: Settings
) -> None:
    from comity.integrity.jobs import export_periodic_head
    from comity.jobs.queue import Queue

    assert export_periodic_head(settings, engine) is None  # no key configured: nothing signed
    keyed = settings.model_copy(update={"audit_signing_key": key})
    path = export_periodic_head(keyed, engine)
    assert path is not None and path.parent == settings.home / "audit-heads"
    with override_settings(keyed):  # the public key comes from the configured signing key
        code, report = verify("--against", str(path))
    assert code == 0 and report["head"]["ok"] and report["head"]["count"] == report["events"]
    names = [t.name for t in Queue(keyed).huey.read_periodic(datetime(2026, 12, 5, 10, 7))]
    assert "comity.audit_head" in names


def test_verify_reads_in_batches_and_misses_nothing_at_batch_boundaries(
    engine: Engine, staff: dict[str, str], settings: Settings
) -> None:
    from comity.core.db import read_session
    from comity.evidence.store import Store
    from comity.integrity.verify import verify_data

    item = make_item(engine)
    proposals = [make_proposal(engine, item) for _ in range(11)]
    with session_scope(engine) as session:
        session.execute(text("DELETE FROM proposals WHERE id = :i"), {"i": proposals[1]})
        session.execute(
            text("UPDATE proposals SET decided_by = 'sam' WHERE id = :i"), {"i": proposals[9]}
        )
    found = {}
    for batch in (1, 2, 3, 2_000):
        with read_session(engine) as session:
            report = verify_data(session=session, store=Store(settings.home), batch=batch)
        found[batch] = [(d.object_id, d.problem) for d in report.differences]
        assert report.objects == 7 + 1 + 11  # users, item, proposals (the deleted one too)
    assert (
        found[1]
        == found[2]
        == found[3]
        == found[2_000]
        == [
            (str(proposals[9]), "state_differs"),
            (str(proposals[1]), "deleted"),
        ]
    )
