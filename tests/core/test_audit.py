"""The audit chain: every change recorded, and any tampering named."""

from __future__ import annotations

import itertools
import json
import threading

from sqlalchemy import Engine, delete, select, update
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core import audit
from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope

runner = CliRunner()


def _write_events(engine: Engine, n: int, actor: str = "alice") -> None:
    for i in range(n):
        with session_scope(engine) as session:
            audit.record(
                session=session,
                actor=actor,
                action="test.change",
                object_type="thing",
                object_id=i,
                state={"i": i},
                data={"i": i},
            )


def test_chain_of_events_verifies(engine: Engine) -> None:
    _write_events(engine, 5)
    with read_session(engine) as session:
        report = audit.verify_chain(session)
    assert report.ok and report.events == 5
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["events"] == 5 and report["ok"] is True
    assert report["first_broken"] is None and report["reason"] is None
    assert report["data"]["differences"] == [] and report["head"] is None


def test_events_recorded_together_chain_like_single_ones(engine: Engine) -> None:
    _write_events(engine, 2)
    entries = [audit.Entry("test.batch", "thing", 10 + i, {"i": i}, {"i": i}) for i in range(3)]
    with session_scope(engine) as session:
        audit.record_many(session=session, actor="bob", entries=entries)
        audit.record_many(session=session, actor="bob", entries=[])
    _write_events(engine, 1)
    with read_session(engine) as session:
        assert audit.verify_chain(session).ok
        events = list(audit.iter_events(session))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e.object_id for e in events] == ["0", "1", "10", "11", "12", "0"]
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(events))
    assert events[3].data == {"i": 1} and events[3].actor == "bob"


def test_rolled_back_change_leaves_no_event(engine: Engine) -> None:
    _write_events(engine, 2)
    try:
        with session_scope(engine) as session:
            audit.record(
                session=session,
                actor="alice",
                action="test.change",
                object_type="thing",
                object_id=9,
                state={},
            )
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    _write_events(engine, 1)
    with read_session(engine) as session:
        seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        assert audit.verify_chain(session).ok
    assert seqs == [1, 2, 3]


def test_attacker_edits_an_event_and_verify_names_it(engine: Engine) -> None:
    _write_events(engine, 6)
    with session_scope(engine) as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(actor="mallory"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "event 4" in result.stderr and "does not match its hash" in result.stderr


def test_attacker_deletes_an_event_from_the_middle(engine: Engine) -> None:
    _write_events(engine, 6)
    with session_scope(engine) as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    with read_session(engine) as session:
        report = audit.verify_chain(session)
    assert not report.ok and report.first_broken == 3


def test_attacker_deletes_the_newest_events(engine: Engine) -> None:
    _write_events(engine, 6)
    with session_scope(engine) as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq >= 5))
    with read_session(engine) as session:
        report = audit.verify_chain(session)
    assert not report.ok and report.first_broken == 5 and "head" in (report.reason or "")


def test_attacker_rewrites_an_event_and_its_hash_breaks_the_next_link(engine: Engine) -> None:
    _write_events(engine, 4)
    with session_scope(engine) as session:
        event = session.get(AuditEvent, 2)
        assert event is not None
        event.data = {"i": 99}
        event.hash = audit.rehash(event)  # a consistent forgery of this one event
    with read_session(engine) as session:
        report = audit.verify_chain(session)
    assert not report.ok and report.first_broken == 3
    assert report.reason == "previous-hash link does not match"


def test_concurrent_writers_never_fork_the_chain(engine: Engine) -> None:
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            _write_events(engine, 15, actor=name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"user{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with read_session(engine) as session:
        report = audit.verify_chain(session)
    assert report.ok and report.events == 60


def test_export_writes_json_lines_in_order(engine: Engine, tmp_path: object) -> None:
    _write_events(engine, 3)
    result = runner.invoke(app, ["audit", "export"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3]
    assert lines[1]["prev_hash"] == lines[0]["hash"]
