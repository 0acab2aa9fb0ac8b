"""Dispatch, answers, deadlines, overdue reminders, statistics and the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import typer
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput, Refused
from comity.intake.models import Item
from comity.tracking import service, stats
from comity.tracking.cli import register
from comity.tracking.models import TrackedRequest
from tests.tracking.conftest import add_item
from tests.tracking.servers import Answer, Site

PAGE = b"<html>post</html>"


def _in_dossier(engine: Engine, *ids: int, priority: str = "standard") -> None:
    with session_scope(engine) as session:
        session.execute(
            update(Item).where(Item.id.in_(ids)).values(state="in_dossier", priority=priority)
        )


def _dispatch(engine: Engine, ref: str, ids: list[int], sent_on: date, **kw: str) -> None:
    with session_scope(engine) as session:
        service.record_dispatch(
            session=session,
            actor="leo",
            ref=ref,
            item_ids=ids,
            channel=kw.get("channel", "provider_referral"),
            host=kw.get("host", "DE"),
            addressee="Abuse desk, Example Hosting GmbH",
            sent_on=sent_on,
            provider=kw.get("provider", "Example Hosting"),
            note_number="MFA-77/2026",
        )


def test_dispatch_sets_deadlines_by_channel_and_priority_and_marks_items_sent(
    engine: Engine, staff: dict[str, str]
) -> None:
    a = add_item(engine, "https://a.example/1")
    b = add_item(engine, "https://b.example/1")
    _in_dossier(engine, a)
    _in_dossier(engine, b, priority="threat_to_life")
    sent = date(2026, 1, 10)
    _dispatch(engine, "KZ-2026-0001", [a, b], sent)
    with read_session(engine) as session:
        shown = service.dispatch_dict(
            session, service.get_dispatch(session=session, ref="KZ-2026-0001")
        )
        states = {i: session.get_one(Item, i).state for i in (a, b)}
    due = {entry["item_id"]: entry["due_at"] for entry in shown["items"]}
    assert due[a].startswith("2026-01-13")  # provider referral: 3 days
    assert due[b].startswith("2026-01-11")  # threat to life: 24 hours whatever the channel
    assert states == {a: "sent", b: "sent"}
    assert shown["note_number"] == "MFA-77/2026"


def test_only_liaison_or_supervisor_may_record_a_dispatch(
    engine: Engine, staff: dict[str, str]
) -> None:
    a = add_item(engine, "https://a.example/1")
    with pytest.raises(Refused, match="may not track"), session_scope(engine) as session:
        service.record_dispatch(
            session=session,
            actor="alice",
            ref="R1",
            item_ids=[a],
            channel="provider_referral",
            host="DE",
            addressee="x",
            sent_on=date(2026, 1, 1),
        )


def test_answers_need_a_reason_for_refusal_and_countries_for_geo_block(
    engine: Engine, staff: dict[str, str]
) -> None:
    a = add_item(engine, "https://a.example/1")
    _in_dossier(engine, a)
    _dispatch(engine, "R2", [a], date(2026, 1, 1))
    with (
        pytest.raises(
            BadInput, match="a refusal needs a reason code; valid: no_offence_under_host_law"
        ),
        session_scope(engine) as session,
    ):
        service.record_answer(
            session=session,
            actor="leo",
            ref="R2",
            item_id=a,
            decision="refused",
            on=date(2026, 1, 5),
        )
    with pytest.raises(BadInput, match="--country"), session_scope(engine) as session:
        service.record_answer(
            session=session,
            actor="leo",
            ref="R2",
            item_id=a,
            decision="geo_blocked",
            on=date(2026, 1, 5),
        )
    with session_scope(engine) as session:
        request = service.record_answer(
            session=session,
            actor="leo",
            ref="R2",
            item_id=a,
            decision="refused",
            reason="protected_expression",
            on=date(2026, 1, 5),
        )
        assert request.reason == "protected_expression"
        assert session.get_one(Item, a).state == "answered"


def test_overdue_lists_unanswered_requests_with_a_drafted_reminder(
    engine: Engine, staff: dict[str, str]
) -> None:
    a = add_item(engine, "https://a.example/1")
    b = add_item(engine, "https://b.example/1")
    _in_dossier(engine, a, b)
    _dispatch(engine, "R3", [a, b], utcnow().date() - timedelta(days=10))
    with session_scope(engine) as session:
        service.record_answer(
            session=session,
            actor="leo",
            ref="R3",
            item_id=b,
            decision="removed",
            on=utcnow().date(),
        )
    with read_session(engine) as session:
        late = service.overdue(session=session)
    assert [(r["dossier"], r["item_id"]) for r in late] == [("R3", a)]
    # A day without a time counts from its end: 10 days ago + 3 days -> 6 days late at least.
    assert late[0]["days_overdue"] >= 6.0
    assert "Follow-up to our request R3 (MFA-77/2026)" in late[0]["reminder"]
    assert f"item(s) {a}" in late[0]["reminder"]


def test_statistics_per_host_channel_and_the_engine_hook(
    engine: Engine, staff: dict[str, str]
) -> None:
    ids = [add_item(engine, f"https://s{i}.example/1") for i in range(4)]
    _in_dossier(engine, *ids)
    _dispatch(engine, "R4", ids, date(2026, 2, 1))
    decisions = [
        ("removed", None, 2),
        ("removed", None, 6),
        ("refused", "no_offence_under_host_law", 3),
    ]
    with session_scope(engine) as session:
        for item_id, (decision, reason, days) in zip(ids, decisions, strict=False):
            service.record_answer(
                session=session,
                actor="leo",
                ref="R4",
                item_id=item_id,
                decision=decision,
                reason=reason,
                on=date(2026, 2, 1) + timedelta(days=days),
            )
        # the monitor saw the first one gone a day before the host's answer
        session.execute(
            update(TrackedRequest)
            .where(TrackedRequest.item_id == ids[0])
            .values(removed_at=utcnow().replace(2026, 2, 2))
        )
    with read_session(engine) as session:
        figures = stats.outcome_stats(session=session)
        hook = stats.channel_stats(session=session)
    de = figures["host"]["DE"]
    assert (de["sent"], de["removed"]) == (4, 2)
    assert de["refused"] == {"no_offence_under_host_law": 1}
    assert de["median_days_to_removal"] == 3.5  # 1 day (monitor) and 6 days
    assert de["p90_days_to_removal"] == pytest.approx(5.5)
    assert figures["channel"]["provider_referral"]["sent"] == 4
    assert figures["conduct"]["terrorism.incitement"]["sent"] == 4
    stat = hook[("DE", "provider_referral")]
    assert stat.count == 3  # the unanswered one has no outcome yet
    assert stat.success_rate == pytest.approx(2 / 3)
    assert stat.median_days == 3.5


def test_percentile_interpolates() -> None:
    assert stats.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert stats.percentile([], 90) is None


def test_cli_monitor_track_and_stats(engine: Engine, staff: dict[str, str], site: Site) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    site.answers["/gone"] = Answer(410, b"gone")
    item_id = add_item(engine, site.url("/gone"), PAGE)
    result = runner.invoke(app, ["monitor", str(item_id), "--by", "alice", "--json"])
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)
    assert checks[0]["verdict"] == "removed"
    bad = runner.invoke(app, ["monitor", "--all", "--due", "--by", "alice"])
    assert bad.exit_code == 2 and "give item ids, --all or --due" in bad.output
    _in_dossier(engine, item_id)
    result = runner.invoke(
        app,
        [
            "track",
            "dispatch",
            "--ref",
            "R9",
            "--item",
            str(item_id),
            "--channel",
            "provider_referral",
            "--host",
            "de",
            "--addressee",
            "abuse@host.example",
            "--on",
            "2026-01-02",
            "--by",
            "leo",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["host"] == "DE"
    wrong = runner.invoke(
        app,
        ["track", "answer", "R9", "--item", str(item_id), "--decision", "deleted", "--by", "leo"],
    )
    assert wrong.exit_code == 2 and "valid: removed, geo_blocked" in wrong.output
    result = runner.invoke(app, ["track", "overdue", "--json"])
    assert [r["dossier"] for r in json.loads(result.stdout)] == ["R9"]
    result = runner.invoke(app, ["stats", "--json"])
    assert json.loads(result.stdout)["host"]["DE"]["sent"] == 1


def test_item_show_carries_the_monitor_verdict(
    engine: Engine, staff: dict[str, str], site: Site
) -> None:
    from comity.cases.history import show_item
    from comity.cases.hooks import load_hooks
    from comity.tracking.monitor import monitor_items
    from tests.tracking.conftest import prober_hooks

    load_hooks()
    site.answers["/legal"] = Answer(451, b"withheld")
    item_id = add_item(engine, site.url("/legal"), PAGE)
    monitor_items(engine=engine, actor="alice", hooks=prober_hooks(), item_ids=[item_id])
    with read_session(engine) as session:
        shown = json.loads(json.dumps(show_item(session=session, item_id=item_id), default=str))
    assert shown["monitor"]["verdict"] == "legal_block"
    assert shown["monitor"]["checked_at"] is not None
