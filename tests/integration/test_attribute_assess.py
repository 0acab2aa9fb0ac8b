"""Stored attribution and assessment of items, on the demo internet (real DNS on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.db import read_session
from comity.core.settings import Settings, override_settings
from comity.demo.internet import DemoInternet, start
from comity.hosting.models import AttributionRecord
from comity.hosting.store import collateral_for
from comity.intake.models import Item
from comity.law.models import StoredAssessment

runner = CliRunner()


@pytest.fixture
def net(settings: Settings) -> Iterator[DemoInternet]:
    with start() as internet:
        demo = settings.model_copy(update={"dns_servers": (f"127.0.0.1:{internet.dns_port}",)})
        with override_settings(demo):
            yield internet


def _add(url: str, conduct: str = "terrorism.glorification") -> int:
    result = runner.invoke(
        app, ["intake", "add", url, "--conduct", conduct, "--by", "alice", "--json"]
    )
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)["id"])


def test_attribution_is_stored_with_history_and_moves_are_flagged(
    engine: Engine, staff: dict[str, str], net: DemoInternet
) -> None:
    moving = _add("http://mirror.demo-moving.test/post/1")
    blog = _add("http://blog.kaz-demo-blog.example/a")
    first = runner.invoke(app, ["attribute", str(moving), str(blog), "--by", "alice", "--json"])
    assert first.exit_code == 0, first.output
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    assert [line["item_id"] for line in lines] == [moving, blog]
    assert {j["country"] for j in lines[1]["jurisdictions"] if j["role"] == "hosting"} == {"DE"}
    assert all(line["moved"] is None for line in lines)

    net.move("mirror.demo-moving.test")
    second = runner.invoke(app, ["attribute", str(moving), "--by", "alice", "--json"])
    assert second.exit_code == 0, second.output
    data = json.loads(second.stdout)
    assert data["moved"] and "RU" in data["moved"]
    with read_session(engine) as session:
        history = session.scalars(
            select(AttributionRecord).where(AttributionRecord.item_id == moving)
        ).all()
        assert len(history) == 2
        assert session.get_one(Item, moving).state == "attributed"


def test_collateral_counts_other_known_domains_on_an_address(
    engine: Engine, staff: dict[str, str], net: DemoInternet
) -> None:
    a = _add("http://removed.demo-pastes.example/x")
    b = _add("http://deleted.demo-pastes.example/y")
    assert runner.invoke(app, ["attribute", str(a), str(b), "--by", "alice"]).exit_code == 0
    with read_session(engine) as session:
        row = session.scalars(select(AttributionRecord).where(AttributionRecord.item_id == a)).one()
        ip = row.data["ips"][0]["ip"]
        info = collateral_for(session, ip=ip, domain="demo-pastes.example")
    # both names share one registrable domain: blocking the IP hits no *other* domain
    assert info["other_domains"] == 0 and info["shared"] is False


def test_assess_item_stores_one_result_per_jurisdiction_with_kb_version(
    engine: Engine, staff: dict[str, str], net: DemoInternet
) -> None:
    item = _add("http://www.cdn-demo-fronted.example/p", "terrorism.incitement")
    assert runner.invoke(app, ["attribute", str(item), "--by", "alice"]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "assess",
            "--item",
            str(item),
            "--fact",
            "public=true",
            "--fact",
            "intent=true",
            "--by",
            "rita",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    roles = {(a["host"], a["role"]) for a in data["assessments"]}
    assert any(role == "cdn" for _, role in roles)
    with read_session(engine) as session:
        stored = session.scalars(
            select(StoredAssessment).where(StoredAssessment.item_id == item)
        ).all()
        assert {(s.host, s.role) for s in stored} == roles
        assert all(len(s.kb_version) == 64 for s in stored)
        assert session.get_one(Item, item).state == "assessed"


def test_an_item_in_a_crisis_is_assessed_with_channels_by_speed(
    engine: Engine, staff: dict[str, str], net: DemoInternet
) -> None:
    item = _add("http://blog.kaz-demo-blog.example/crisis", "terrorism.incitement")
    assert runner.invoke(app, ["attribute", str(item), "--by", "alice"]).exit_code == 0
    raised = runner.invoke(
        app,
        [
            "item",
            "priority",
            str(item),
            "crisis",
            "--reason",
            "spread after an attack",
            "--by",
            "sam",
        ],
    )
    assert raised.exit_code == 0, raised.output
    facts = ["--fact", "public=true", "--fact", "intent=true", "--fact", "danger=true"]
    result = runner.invoke(app, ["assess", "--item", str(item), *facts, "--by", "rita", "--json"])
    assert result.exit_code == 0, result.output
    assessments = json.loads(result.stdout)["assessments"]
    (de,) = [a for a in assessments if (a["host"], a["role"]) == ("DE", "hosting")]
    assert de["priority"] == "crisis"
    # The same ranking as for a threat to life (speed first), not the standard one.
    ranked = {}
    for level in ("threat_to_life", "standard"):
        args = ["assess", "--conduct", "terrorism.incitement", "--host", "DE", "--json", *facts]
        alone = runner.invoke(app, [*args, "--priority", level])
        assert alone.exit_code == 0, alone.output
        ranked[level] = [c["code"] for c in json.loads(alone.stdout)["channels"]]
    assert [c["code"] for c in de["channels"]] == ranked["threat_to_life"]
    assert ranked["threat_to_life"] != ranked["standard"]


def test_assess_item_without_attribution_is_refused(
    engine: Engine, staff: dict[str, str], net: DemoInternet
) -> None:
    item = _add("http://blog.kaz-demo-blog.example/b")
    result = runner.invoke(app, ["assess", "--item", str(item), "--by", "rita"])
    assert result.exit_code == 1 and "no attribution yet" in result.stderr
