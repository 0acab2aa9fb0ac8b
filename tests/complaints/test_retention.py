"""Retention: a run deletes what its period says is due, keeps the hashes, audits each
deletion; a legal hold suspends it; a period shorter than a legal hold is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from comity.complaints import retention
from comity.core import audit
from comity.core.audit import AuditEvent, verify_chain
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput, Refused
from comity.core.settings import Settings
from comity.evidence import service as evidence_service
from comity.evidence.models import Evidence
from comity.evidence.store import Store
from comity.intake.models import Item, Report
from comity.integrity.verify import verify_data
from tests.reports.conftest import World


def _stored_capture(engine: Engine, settings: Settings, item_id: int, body: bytes) -> int:
    store = Store(settings.home)
    warc = store.put_bytes("evidence", body)
    shot = store.put_bytes("screenshots", b"\x89PNG" + body)
    with session_scope(engine) as s:
        ev = Evidence(
            item_id=item_id,
            captured_at=utcnow(),
            requested_url="https://x.example/",
            outcome="ok",
            headers=[],
            warc_path=warc.path,
            warc_sha256=warc.sha256,
            screenshot_path=shot.path,
            screenshot_sha256=shot.sha256,
            captured_by="alice",
        )
        s.add(ev)
        s.flush()
        audit.record(
            session=s,
            actor="alice",
            action="evidence.capture",
            object_type="evidence",
            object_id=ev.id,
            state={"warc": warc.sha256},
        )
        return ev.id


def _age(engine: Engine, item_id: int, days: int) -> None:
    with session_scope(engine) as s:
        s.execute(
            update(Item)
            .where(Item.id == item_id)
            .values(updated_at=utcnow() - timedelta(days=days))
        )


def test_a_run_deletes_what_is_due_keeps_the_hashes_and_a_dry_run_changes_nothing(
    engine: Engine, settings: Settings, world: World
) -> None:
    withdrawn = world.item_ids[10]
    ev_id = _stored_capture(engine, settings, withdrawn, b"warc of the withdrawn item")
    with read_session(engine) as s:
        ev = s.get_one(Evidence, ev_id)
        warc, shot, sha = ev.warc_path, ev.screenshot_path, ev.warc_sha256
    assert warc and shot and sha
    store = Store(settings.home)
    _age(engine, withdrawn, 100)  # past the reporters' 90 days, not evidence's 365
    dry = retention.run(engine=engine, actor="sam", dry_run=True)
    assert dry["dry_run"] and dry["reports_anonymised"] == 1 and dry["evidence_files"] == 0
    with read_session(engine) as s:
        assert s.scalars(select(Report.note).where(Report.item_id == withdrawn)).one()
    _age(engine, withdrawn, 400)
    done = retention.run(engine=engine, actor="sam", dry_run=False)
    assert done["evidence_files"] == 1 and done["screenshots"] == 1
    assert done["items"] == [withdrawn] and done["file_errors"] == []
    assert not store.path(warc).exists() and not store.path(shot).exists()
    with read_session(engine) as s:
        ev = s.get_one(Evidence, ev_id)
        assert (ev.warc_path, ev.screenshot_path, ev.warc_sha256) == (None, None, sha)
        report = s.scalars(select(Report).where(Report.item_id == withdrawn)).one()
        assert (report.source, report.note) == (None, None)
        actions = set(s.scalars(select(AuditEvent.action)))
        assert {"evidence.deleted", "report.anonymised", "retention.run"} <= actions
        assert verify_chain(session=s).ok
        # (the small world's own captures were inserted without events: not this row)
        ours = [
            d
            for d in verify_data(session=s, store=store, kinds=("evidence",)).differences
            if d.object_id == str(ev_id)
        ]
        assert ours == []
        problems = evidence_service.verify(session=s, store=store)["problems"]
        assert not [p for p in problems if p.startswith(f"evidence {ev_id}:")]
    again = retention.run(engine=engine, actor="sam", dry_run=False)
    assert again["items"] == []  # nothing left to delete; the hashes stay


def test_a_legal_hold_on_the_item_suspends_deletion(
    engine: Engine, settings: Settings, world: World
) -> None:
    withdrawn = world.item_ids[10]
    ev_id = _stored_capture(engine, settings, withdrawn, b"held warc")
    _age(engine, withdrawn, 400)
    with session_scope(engine) as s:
        hold = retention.place_hold(
            session=s, actor="sam", item_id=withdrawn, reason="Court order 2-17/2026"
        )
        hold_id = hold.id
    done = retention.run(engine=engine, actor="sam", dry_run=False)
    assert done["held_items"] == [withdrawn] and done["items"] == []
    with read_session(engine) as s:
        assert s.get_one(Evidence, ev_id).warc_path is not None
    with session_scope(engine) as s:
        retention.release_hold(session=s, actor="sam", hold_id=hold_id, reason="order lifted")
    assert retention.run(engine=engine, actor="sam", dry_run=False)["items"] == [withdrawn]


def test_a_period_shorter_than_a_legal_hold_is_refused(
    engine: Engine, settings: Settings, world: World
) -> None:
    with session_scope(engine) as s:
        retention.place_hold(
            session=s,
            actor="ada",
            kind="evidence",
            min_days=400,
            reason="Statute: evidence kept 400 days",
        )
    with pytest.raises(Refused) as caught:
        retention.run(engine=engine, actor="sam", dry_run=True)
    assert caught.value.message.startswith(
        "retention_days: evidence.expired = 365 days is shorter than legal hold 1 (400 days: "
        "Statute: evidence kept 400 days)"
    )
    longer = settings.model_copy(
        update={
            "retention_days": tuple(
                f"evidence.{o}=400" for o in ("withdrawn", "rejected", "expired")
            )
        }
    )
    assert retention.run(engine=engine, actor="sam", dry_run=True, settings=longer)["dry_run"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("evidence.lost=3", "'evidence.lost=3' must be KIND.OUTCOME=DAYS"),
        ("evidence.closed=0", "the period is a whole number of days, 1 or more"),
        ("evidence.closed", "must be KIND.OUTCOME=DAYS"),
    ],
)
def test_bad_retention_settings_name_the_setting(
    settings: Settings, entry: str, message: str
) -> None:
    with pytest.raises(BadInput, match=message) as caught:
        retention.periods(settings.model_copy(update={"retention_days": (entry,)}))
    assert caught.value.field == "retention_days"


def test_only_a_supervisor_or_admin_runs_retention(engine: Engine, world: World) -> None:
    with pytest.raises(Refused, match=r"leo \(liaison\) may not retention"):
        retention.run(engine=engine, actor="leo", dry_run=True)


def test_the_daily_job_runs_as_comity_user_and_a_refusal_deletes_nothing(
    engine: Engine, settings: Settings, world: World
) -> None:
    from comity.complaints.jobs import run_periodic_retention

    withdrawn = world.item_ids[10]
    _age(engine, withdrawn, 100)
    assert run_periodic_retention(settings.model_copy(update={"user": None}), engine) is None
    as_leo = settings.model_copy(update={"user": "leo"})  # may not run retention: refused
    assert run_periodic_retention(as_leo, engine) is None
    with read_session(engine) as s:
        assert s.scalars(select(Report.note).where(Report.item_id == withdrawn)).one()
    done = run_periodic_retention(settings.model_copy(update={"user": "sam"}), engine)
    assert done is not None and done["reports_anonymised"] == 1


def test_the_transparency_report_says_what_retention_deleted_in_each_language(
    engine: Engine, settings: Settings, world: World
) -> None:
    from comity.reports import transparency

    withdrawn = world.item_ids[10]
    _stored_capture(engine, settings, withdrawn, b"warc deleted under the retention policy")
    _age(engine, withdrawn, 400)
    retention.run(engine=engine, actor="sam", dry_run=False)
    today = utcnow().date()
    with read_session(engine) as s:
        doc = transparency.document(session=s, period_from=world.sent_on, period_to=today)
        pages = {
            lang: transparency.render(
                session=s, period_from=world.sent_on, period_to=today, fmt="html", language=lang
            ).decode()
            for lang in ("en", "ru", "kk")
        }
        before = transparency.document(
            session=s, period_from=world.sent_on, period_to=today - timedelta(days=1)
        )
    assert doc["retention"] == {
        "runs": 1,
        "evidence_deleted": 1,
        "reporters_anonymised": 1,
        "holds_placed": 0,
    }
    assert before["retention"]["runs"] == 0  # a period that ends before the run
    assert "Retention runs" in pages["en"]
    assert "Запусков удаления по срокам хранения" in pages["ru"]
    assert "Сақтау мерзімі бойынша жою іске қосылымдары" in pages["kk"]
