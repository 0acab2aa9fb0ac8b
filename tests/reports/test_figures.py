"""Stored per-day figures equal the whole-history computation they replaced (issue 19, item 2).

`comity.reports.scan` is the old computation, unchanged: every comparison below
is between what a view now reads (stored days plus marked days recomputed) and
what it used to compute from every row. The random sequences drive the real
services (dispatch, answers, reinstatement notices, new reports, the monitor
against a loopback site), interleaved with reads that store the marked days.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text, update
from typer.testing import CliRunner

from comity.cli.main import build_app
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import Refused
from comity.intake.service import add_report
from comity.reports import figures, scan
from comity.reports.models import Figure, FigureMark
from comity.reports.service import dashboard, period_figures
from comity.tracking import service as tracking
from comity.tracking.models import Dispatch, TrackedRequest
from comity.tracking.monitor import monitor_items
from comity.tracking.reinstatement import record_reinstatement
from comity.tracking.stats import channel_stats, outcome_stats
from tests.reports.conftest import World
from tests.tracking.conftest import prober_hooks
from tests.tracking.servers import Answer, Site

PAGE = b"<html><title>Join us</title><p>propaganda</p></html>"
CONDUCTS = ("terrorism.incitement", "terrorism.financing", "terrorism.recruitment")
CHANNELS = ("provider_referral", "diplomatic_request", "mla_request")
HOSTS = ("DE", "US", "NL")
PROVIDERS = ("Hoster GmbH", "Cloud Inc", None)
DECISIONS = ("removed", "removed", "refused", "geo_blocked", "no_reply", "partial")
REASONS = ("no_offence_under_host_law", "protected_expression", "insufficient_evidence")
PAGES = {
    "up": Answer(200, PAGE),
    "changed": Answer(200, b"<html><title>Something else</title></html>"),
    "removed": Answer(404, b"no"),
    "challenge": Answer(403, b"<title>Just a moment...</title>", {"cf-mitigated": "challenge"}),
}


@pytest.fixture
def loopback() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def _without_clock(figures_: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures_.items() if k != "as_of"}


def assert_same_as_scan(engine: Engine, today: date) -> None:
    """Every view's figures equal the old whole-history computation, to the last value."""
    periods = [(today - timedelta(days=40), today), (today - timedelta(days=9), today)]
    with read_session(engine) as s:
        for since in (None, today - timedelta(days=12)):
            assert _without_clock(dashboard(session=s, since=since)) == _without_clock(
                scan.dashboard_scan(session=s, since=since)
            ), f"dashboard since {since}"
        for first, last in periods:
            new = period_figures(session=s, period_from=first, period_to=last)
            old = scan.period_figures_scan(session=s, period_from=first, period_to=last)
            assert new == old, f"transparency {first}..{last}"
        assert outcome_stats(session=s) == scan.outcome_stats_scan(session=s)
        assert channel_stats(session=s) == scan.channel_stats_scan(session=s)


def _check(engine: Engine) -> figures.Difference | None:
    with read_session(engine) as s:
        found = figures.rebuild(session=s, actor="aud", check=True)["difference"]
    assert found is None or isinstance(found, figures.Difference)
    return found


# -- the small world of tests/reports/conftest.py (proposals, reviews, the funnel) -----------


def test_world_figures_equal_the_old_computation(engine: Engine, world: World) -> None:
    assert_same_as_scan(engine, world.today)  # first read: every day marked, read live
    with read_session(engine) as s:  # the read stored the marked days
        assert s.execute(select(func.count()).select_from(FigureMark)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Figure)).scalar_one() > 0
    assert_same_as_scan(engine, world.today)  # now read from the stored rows
    assert _check(engine) is None


def test_rebuild_is_audited_and_check_names_a_tampered_figure(engine: Engine, world: World) -> None:
    with session_scope(engine) as s:
        result = figures.rebuild(session=s, actor="ada")
    assert result["rows"] > 0 and result["difference"] is None
    with read_session(engine) as s:
        event = s.execute(
            text("SELECT actor, data FROM audit_events WHERE action = 'figures.rebuild'")
        ).one()
        assert event[0] == "ada"
    assert _check(engine) is None
    with session_scope(engine) as s:  # someone edits a stored count by hand
        s.execute(
            update(Figure)
            .where(
                Figure.family == "requests",
                Figure.dim == "host",
                Figure.key == "DE",
                Figure.name == "removed",
            )
            .values(count=Figure.count + 1)
        )
    found = _check(engine)
    assert found is not None
    assert (found.family, found.day, found.cell) == (
        "requests",
        world.sent_on,
        ("host", "DE", "removed", ""),
    )
    assert found.stored == found.recomputed + 1
    runner = CliRunner()
    app = build_app(("comity.tracking.cli",))
    result_cli = runner.invoke(app, ["stats", "rebuild", "--check", "--by", "aud"])
    assert result_cli.exit_code == 1, result_cli.output
    assert f"requests {world.sent_on.isoformat()} host[DE] removed" in result_cli.output
    # an auditor may check but not rewrite; an administrator's rebuild repairs it
    assert runner.invoke(app, ["stats", "rebuild", "--by", "aud"]).exit_code != 0
    assert runner.invoke(app, ["stats", "rebuild", "--by", "ada"]).exit_code == 0
    ok = runner.invoke(app, ["stats", "rebuild", "--check", "--by", "aud"])
    assert ok.exit_code == 0 and "stored figures agree" in ok.output
    assert_same_as_scan(engine, world.today)


def test_a_deleted_stored_day_is_detected(engine: Engine, world: World) -> None:
    with session_scope(engine) as s:
        figures.rebuild(session=s, actor="ada")
        s.flush()
        s.execute(update(Figure).where(Figure.family == "funnel").values(count=0))
    found = _check(engine)
    assert found is not None and found.family == "funnel" and found.stored == 0


# -- random sequences of state changes through the services ----------------------------------


class _Run:
    """One seeded sequence: items on a loopback site, dispatches, answers, verdicts."""

    def __init__(self, engine: Engine, site: Site, seed: int) -> None:
        self.engine, self.site, self.rng = engine, site, random.Random(seed)
        self.today = utcnow().date()
        self.items: list[int] = []
        self.requests: list[tuple[str, int]] = []
        self.seed = seed

    def report(self) -> None:
        n = len(self.items)
        path = f"/s{self.seed}/p{n}"
        self.site.answers[path] = PAGES["up"]
        with session_scope(self.engine) as s:
            item, _, _ = add_report(
                session=s,
                url=self.site.url(path),
                conduct=self.rng.choice(CONDUCTS),
                actor="alice",
                allow=("127.0.0.1", "::1"),
            )
            self.items.append(item.id)

    def dispatch(self) -> None:
        chosen = self.rng.sample(self.items, k=min(len(self.items), self.rng.randint(1, 3)))
        ref = f"KZ-{self.seed}-{len(self.requests):04d}"
        with session_scope(self.engine) as s:
            tracking.record_dispatch(
                session=s,
                actor="leo",
                ref=ref,
                item_ids=chosen,
                channel=self.rng.choice(CHANNELS),
                host=self.rng.choice(HOSTS),
                provider=self.rng.choice(PROVIDERS),
                addressee="Abuse desk",
                sent_on=self.today - timedelta(days=self.rng.randint(0, 30)),
            )
        self.requests.extend((ref, i) for i in chosen)

    def answer(self) -> None:
        ref, item_id = self.rng.choice(self.requests)
        decision = self.rng.choice(DECISIONS)
        with session_scope(self.engine) as s:
            tracking.record_answer(
                session=s,
                actor="leo",
                ref=ref,
                item_id=item_id,
                decision=decision,
                reason=self.rng.choice(REASONS) if decision == "refused" else None,
                countries=["KZ"] if decision == "geo_blocked" else [],
                on=self.today - timedelta(days=self.rng.randint(0, 5)),
            )

    def monitor(self) -> None:
        chosen = self.rng.sample(self.items, k=min(len(self.items), self.rng.randint(1, 4)))
        with read_session(self.engine) as s:
            from comity.intake.models import Item

            urls = dict(s.execute(select(Item.id, Item.url).where(Item.id.in_(chosen))).all())
        for item_id in chosen:
            path = "/" + urls[item_id].split("/", 3)[3]
            self.site.answers[path] = PAGES[self.rng.choice(list(PAGES))]
        monitor_items(engine=self.engine, actor="alice", hooks=prober_hooks(), item_ids=chosen)

    def reinstate(self) -> None:
        ref, item_id = self.rng.choice(self.requests)
        try:
            with session_scope(self.engine) as s:
                record_reinstatement(
                    session=s, actor="leo", ref=ref, item_id=item_id, on=self.today
                )
        except Refused:
            pass  # never removed: nothing to reinstate, nothing changed

    def read(self) -> None:
        with read_session(self.engine) as s:  # a view: stores the marked days
            dashboard(session=s)

    def step(self) -> str:
        if len(self.items) < 3:
            self.report()
            return "report"
        moves = ["report", "dispatch", "read", "read"]
        if self.requests:
            moves += ["answer", "answer", "monitor", "monitor", "reinstate"]
        move = self.rng.choice(moves)
        getattr(self, move)()
        return move


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_state_changes_keep_stored_figures_equal_to_a_recomputation(
    engine: Engine, staff: dict[str, str], loopback: Site, seed: int
) -> None:
    run = _Run(engine, loopback, seed)
    done = []
    for _ in range(28):
        done.append(run.step())
        assert _check(engine) is None, f"seed {seed} after {done}"
        if len(done) % 4 == 0:
            assert_same_as_scan(engine, run.today)
    assert_same_as_scan(engine, run.today)
    with read_session(engine) as s:
        assert s.execute(select(func.count()).select_from(TrackedRequest)).scalar_one() > 0
        assert s.execute(select(func.count()).select_from(FigureMark)).scalar_one() == 0
    assert {"dispatch", "answer", "monitor"} <= set(done), done


def test_a_moved_dispatch_date_moves_its_figures_to_the_new_day(
    engine: Engine, world: World
) -> None:
    assert_same_as_scan(engine, world.today)  # stores every day
    with session_scope(engine) as s:  # a corrected dispatch date (through the ORM)
        dispatch = s.scalars(select(Dispatch).order_by(Dispatch.id)).first()
        assert dispatch is not None
        dispatch.sent_on = world.sent_on - timedelta(days=3)
    assert _check(engine) is None
    assert_same_as_scan(engine, world.today)
