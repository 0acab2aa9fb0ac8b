"""The monitor against a loopback site: verdicts, stored checks, evidence on change."""

from __future__ import annotations

import ipaddress
import socket
import time
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func, select

from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput, NotFound
from comity.core.settings import Settings
from comity.evidence.guard import Guard
from comity.evidence.models import Evidence
from comity.hosting.models import AttributionRecord
from comity.intake.models import Item
from comity.tracking.models import MonitorCheck, MonitorState
from comity.tracking.monitor import Hooks, monitor_items, monitor_section, select_targets
from comity.tracking.probe import Prober
from comity.tracking.runtime import hooks_from_settings
from tests.tracking.conftest import FAST, add_item, prober_hooks
from tests.tracking.servers import Answer, Site

PAGE = b"<html><body>the reported post</body></html>"


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def _verdicts(results: list[dict[str, object]]) -> dict[object, object]:
    return {r["item_id"]: r["verdict"] for r in results}


def test_monitor_tells_removed_blocked_challenged_and_unreachable_apart(
    engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers.update(
        {
            "/up": Answer(200, PAGE),
            "/gone": Answer(410, b"gone"),
            "/missing": Answer(404, b"no"),
            "/legal": Answer(
                451, b"withheld", {"Link": '<https://auth.example/>; rel="blocked-by"'}
            ),
            "/cf": Answer(403, b"<title>Just a moment...</title>", {"cf-mitigated": "challenge"}),
            "/slow": Answer(200, PAGE, delay=2.0),
        }
    )
    ids = {
        path: add_item(engine, site.url(path), PAGE)
        for path in ("/up", "/gone", "/missing", "/legal", "/cf", "/slow")
    }
    ids["refused"] = add_item(engine, f"http://127.0.0.1:{_closed_port()}/x", PAGE)
    results = monitor_items(engine=engine, actor="alice", hooks=prober_hooks(), everything=True)
    assert _verdicts(results) == {
        ids["/up"]: "up",
        ids["/gone"]: "removed",
        ids["/missing"]: "removed",
        ids["/legal"]: "legal_block",
        ids["/cf"]: "challenge",
        ids["/slow"]: "unreachable",
        ids["refused"]: "unreachable",
    }
    # the slow page was retried once (FAST: retries=1) before giving up
    assert sum(1 for path, _ in site.hits if path == "/slow") == 2
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(MonitorCheck)) == 7
        state = session.get_one(MonitorState, ids["/legal"])
        assert state.verdict == "legal_block"
        item = session.get_one(Item, ids["/cf"])
        section = monitor_section(session, item)
        assert section is not None
        assert section["verdict"] == "challenge"
        assert section["checked_at"] == state.checked_at.isoformat() or section["checked_at"]


def test_checks_send_a_descriptive_user_agent(
    engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers["/p"] = Answer(200, PAGE)
    add_item(engine, site.url("/p"), PAGE)
    monitor_items(engine=engine, actor="alice", hooks=prober_hooks(), everything=True)
    agent = site.hits[0][1]["User-Agent"]
    assert agent.startswith("Comity-monitor/") and "removal" in agent


def test_a_changed_verdict_stores_evidence_and_an_audit_event_once(
    engine: Engine, staff: dict[str, str], site: Site, settings: Settings
) -> None:
    site.answers["/p"] = Answer(200, PAGE)
    item_id = add_item(engine, site.url("/p"), PAGE)
    hooks = hooks_from_settings(settings, engine=engine, actor="alice", reattribute=False)
    hooks.prober = prober_hooks().prober

    def audit_count() -> int:
        with read_session(engine) as session:
            return int(
                session.scalar(select(func.count()).where(AuditEvent.action == "item.monitor")) or 0
            )

    first = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[item_id])
    assert first[0]["verdict"] == "up" and first[0]["evidence_id"] is None
    assert audit_count() == 1  # first verdict recorded
    site.answers["/p"] = Answer(200, PAGE + b"<p>edited</p>")
    second = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[item_id])
    assert second[0]["verdict"] == "changed" and second[0]["changed"] is True
    evidence_id = second[0]["evidence_id"]
    assert evidence_id is not None
    with read_session(engine) as session:
        evidence = session.get_one(Evidence, evidence_id)
        assert evidence.warc_path is not None
        assert (Path(settings.home) / evidence.warc_path).is_file()
    third = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[item_id])
    assert third[0]["verdict"] == "changed" and third[0]["evidence_id"] is None
    assert audit_count() == 2
    site.answers["/p"] = Answer(410, b"gone")
    fourth = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[item_id])
    assert fourth[0]["verdict"] == "removed" and fourth[0]["evidence_id"] is not None
    with read_session(engine) as session:
        assert session.get_one(MonitorState, item_id).verdict == "removed"


def test_same_content_on_a_new_network_is_moved(
    engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers["/demo/post-1"] = Answer(200, PAGE)
    url = "http://mirror.demo-moving.test/demo/post-1"
    item_id = add_item(engine, url, PAGE)
    with session_scope(engine) as session:
        session.add(
            AttributionRecord(
                item_id=item_id,
                observed_at=session.get_one(Item, item_id).created_at,
                countries="DE",
                asns="24940",
                data={"ips": [{"ip": "5.9.77.78", "routable": True}]},
            )
        )
    asked: list[list[int]] = []

    def reattribute(ids: object) -> dict[int, str | None]:
        asked.append(list(ids))  # type: ignore[call-overload]
        return {item_id: "hosting country DE -> RU; network AS24940 -> AS9123"}

    def resolver(host: str, timeout: float) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address("5.23.50.50")]  # the name now points elsewhere

    hooks = Hooks(
        prober=lambda: Prober(
            guard=Guard.from_entries(()),
            resolver=resolver,
            politeness=FAST,
            routes={"mirror.demo-moving.test": ("127.0.0.1", site.port)},
        ),
        reattribute=reattribute,
    )
    results = monitor_items(engine=engine, actor="alice", hooks=hooks, item_ids=[item_id])
    assert asked == [[item_id]]
    assert results[0]["verdict"] == "moved"
    assert "DE -> RU" in str(results[0]["detail"])
    assert results[0]["ip"] == "5.23.50.50"


def test_due_selects_only_items_never_checked_or_past_their_time(
    engine: Engine, staff: dict[str, str], site: Site
) -> None:
    site.answers["/a"] = Answer(200, PAGE)
    first = add_item(engine, site.url("/a"), PAGE)
    monitor_items(engine=engine, actor="alice", hooks=prober_hooks(), everything=True)
    second = add_item(engine, site.url("/b"))
    due = monitor_items(engine=engine, actor="alice", hooks=prober_hooks(), due=True)
    assert [r["item_id"] for r in due] == [second]
    assert first != second


def test_the_monitor_rate_setting_spaces_the_checks_out(
    engine: Engine, staff: dict[str, str], site: Site, settings: Settings
) -> None:
    # COMITY_MONITOR_RATE: 4 checks per second, so six checks cannot all start
    # within the first second (one at once, then one every quarter second).
    # A lower bound on time: a slower machine only makes it longer.
    for n in range(6):
        site.answers[f"/p{n}"] = Answer(200, PAGE)
        add_item(engine, site.url(f"/p{n}"), PAGE)
    slow = Settings(**{**settings.model_dump(), "monitor_rate": 4.0})
    hooks = hooks_from_settings(
        slow, engine=engine, actor="alice", evidence=False, reattribute=False
    )
    start = time.monotonic()
    results = monitor_items(engine=engine, actor="alice", hooks=hooks, everything=True)
    assert [r["verdict"] for r in results] == ["up"] * 6
    assert time.monotonic() - start >= 1.2


def test_monitor_politeness_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMITY_MONITOR_RATE", "0")
    with pytest.raises(ValidationError, match="monitor_rate"):
        Settings()
    monkeypatch.setenv("COMITY_MONITOR_RATE", "200")
    monkeypatch.setenv("COMITY_MONITOR_PER_HOST", "100")
    with pytest.raises(ValidationError, match="monitor_per_host"):
        Settings()


def test_targets_are_ids_all_or_due_and_ids_with_due_is_a_scheduled_batch(
    engine: Engine, staff: dict[str, str], site: Site
) -> None:
    first = add_item(engine, site.url("/a"), PAGE)
    second = add_item(engine, site.url("/b"), PAGE)
    with read_session(engine) as session:
        for bad in (
            {},
            {"everything": True, "item_ids": [first]},
            {"everything": True, "due": True},
        ):
            with pytest.raises(BadInput, match="give item ids, --all or --due"):
                select_targets(session=session, **bad)
        never_checked = select_targets(session=session, item_ids=[second, 999], due=True)
        assert [t.item_id for t in never_checked] == [second]  # an unknown id is skipped
        assert len(select_targets(session=session, everything=True)) == 2
        with pytest.raises(NotFound, match="item 999"):
            select_targets(session=session, item_ids=[999])
