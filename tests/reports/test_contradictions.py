"""When the monitor contradicts the host: "removed" but still online is not a removal;
removed and back online is a reinstatement, counted as well (issues 16 and 18)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from comity.core.db import read_session, session_scope
from comity.reports.service import dashboard, period_figures
from comity.tracking.models import MonitorState
from comity.tracking.stats import outcome_stats
from tests.reports.conftest import World


def _set_verdict(engine: Engine, item_id: int, verdict: str) -> None:
    with session_scope(engine) as s:
        state = s.scalar(select(MonitorState).where(MonitorState.item_id == item_id))
        assert state is not None
        state.verdict = verdict


def test_a_host_removal_the_monitor_still_sees_online_is_not_counted_removed(
    engine: Engine, world: World
) -> None:
    # ids[0:4] were answered "removed"; the monitor now sees ids[0] online
    with session_scope(engine) as s:
        s.add(
            MonitorState(
                item_id=world.item_ids[0],
                verdict="up",
                checked_at=s.scalar(select(MonitorState.checked_at).limit(1)),
                since=s.scalar(select(MonitorState.since).limit(1)),
                next_due_at=s.scalar(select(MonitorState.next_due_at).limit(1)),
                last_check_id=0,
            )
        )
    with read_session(engine) as session:
        figures = dashboard(session=session)
        stats = outcome_stats(session=session)
        period = period_figures(session=session, period_from=world.sent_on, period_to=world.today)
    de = next(r for r in figures["removal_rate_by_host"] if r["key"] == "DE")
    assert de["removed"] == 3  # was 4: the contradicted answer no longer counts
    assert figures["still_online"]["disputed"] == 1
    assert figures["days_to_removal"]["values"] == [6.0, 8.0, 10.0, 20.0]
    assert stats["host"]["DE"]["removed"] == 3 and stats["host"]["DE"]["disputed"] == 1
    assert period["outcomes"]["disputed"] == 1 and period["outcomes"]["removed"] == 4


def test_content_seen_gone_then_back_online_is_removed_and_reinstated(
    engine: Engine, world: World
) -> None:
    _set_verdict(engine, world.item_ids[9], "up")  # NL: seen gone by the monitor, back now
    with read_session(engine) as session:
        figures = dashboard(session=session)
        stats = outcome_stats(session=session)
    nl = next(r for r in figures["removal_rate_by_host"] if r["key"] == "NL")
    assert nl["removed"] == 1  # the removal happened and stays counted
    assert figures["still_online"]["reinstated"] == 1
    assert figures["still_online"]["disputed"] == 0
    assert stats["host"]["NL"]["reinstated"] == 1 and stats["host"]["NL"]["removed"] == 1


def test_attention_lists_both_contradictions_with_a_drafted_follow_up(
    engine: Engine, world: World
) -> None:
    from comity.tracking.attention import attention

    _set_verdict(engine, world.item_ids[9], "up")  # reinstated (NL)
    _set_verdict(engine, world.item_ids[5], "up")  # never answered removed: not listed
    with read_session(engine) as session:
        rows = attention(session=session)
    assert [(r["kind"], r["item_id"]) for r in rows] == [("reinstated", world.item_ids[9])]
    draft = rows[0]["followup"]
    assert draft.startswith("To: Central Authority Person Name")
    assert "accessible again at the same address" in draft and world.urls[9] in draft
