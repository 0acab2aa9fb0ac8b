"""The internal dashboard's figures over a known world (exact counts: no suppression)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from comity.core.db import read_session
from comity.reports.service import dashboard
from tests.reports.conftest import World


def _by_key(rows: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {r["key"]: r for r in rows}


def test_removal_rates_by_host_and_channel(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        figures = dashboard(session=session)
    hosts = _by_key(figures["removal_rate_by_host"])
    assert hosts["DE"] == {"key": "DE", "n": 6, "removed": 4, "rate": 0.667}
    assert hosts["US"]["removed"] == 0 and hosts["US"]["n"] == 3
    # removed by the monitor's observation alone, with no answer from the host
    assert hosts["NL"] == {"key": "NL", "n": 1, "removed": 1, "rate": 1.0}
    channels = _by_key(figures["removal_rate_by_channel"])
    assert channels["provider_referral"]["rate"] == 0.667
    assert channels["diplomatic_request"]["rate"] == 0.0
    assert figures["requests"]["n"] == 10


def test_days_to_removal_refusals_online_overdue(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        figures = dashboard(session=session)
    days = figures["days_to_removal"]
    assert days["values"] == [4.0, 6.0, 8.0, 10.0, 20.0]
    assert days["n"] == 5 and days["median"] == 8.0 and days["p90"] == 16.0
    assert figures["refusals_by_reason"] == {
        "n": 3,
        "reasons": [
            {"reason": "no_offence_under_host_law", "count": 2},
            {"reason": "protected_expression", "count": 1},
        ],
    }
    # geo-blocked is not removal; one item is still up by the monitor's last check
    assert figures["still_online"] == {
        "n": 10,
        "checked": 2,
        "online": 1,
        "share": 0.1,
        "disputed": 0,
        "reinstated": 0,
    }
    # only the undecided request not seen removed is overdue
    assert figures["overdue"] == {"n": 1}


def test_funnel_counts_furthest_stage_from_history(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        stages = {s["stage"]: s["items"] for s in dashboard(session=session)["funnel"]["stages"]}
    assert stages == {
        "reported": 12,
        "captured": 12,
        "attributed": 11,
        "assessed": 11,
        "proposed": 11,
        "approved": 10,
        "in_dossier": 10,
        "sent": 10,
        "answered": 8,
        "verified": 2,
        "closed": 1,
    }


def test_since_filters_requests_and_items(engine: Engine, world: World) -> None:
    with read_session(engine) as session:
        later = dashboard(session=session, since=world.sent_on + timedelta(days=1))
        future = dashboard(session=session, since=world.today + timedelta(days=1))
    assert later["requests"]["n"] == 0 and later["removal_rate_by_host"] == []
    assert later["funnel"]["n"] == 12  # the items were reported today
    assert future["funnel"]["n"] == 0 and future["days_to_removal"]["median"] is None


def test_empty_database(engine: Engine) -> None:
    with read_session(engine) as session:
        figures = dashboard(session=session)
    assert figures["requests"]["n"] == 0
    assert figures["still_online"]["share"] is None
    assert all(s["items"] == 0 for s in figures["funnel"]["stages"])
