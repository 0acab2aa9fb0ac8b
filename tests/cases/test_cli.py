"""The command line: case, propose, review, item show/priority/worklist, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from comity.cases import hooks
from comity.cases.cli import register
from tests.cases.conftest import add_evidence, make_item

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    # comity.cli.main lists the domains; this app holds the cases commands alone.
    cli = typer.Typer()
    register(cli)
    return cli


def _run(app: typer.Typer, *args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 and "--json" in args else result


@pytest.fixture
def section() -> Iterator[None]:
    hooks.register_item_section("zz_test", lambda session, item: {"url": item.url})
    yield
    hooks._SECTIONS.pop("zz_test", None)


def test_whole_path_from_report_to_approved_proposal(
    app: typer.Typer, engine: Engine, staff: dict[str, str], section: None
) -> None:
    item_id = make_item(engine)
    add_evidence(engine, item_id)
    case = _run(
        app,
        "case",
        "new",
        "Operation Dawn",
        "--description",
        "one channel",
        "--by",
        "alice",
        "--json",
    )
    added = _run(app, "case", "add", str(case["id"]), str(item_id), "--by", "alice", "--json")
    assert added == {"case": case["id"], "added": [item_id]}
    shown = _run(app, "case", "show", str(case["id"]), "--json")
    assert [i["id"] for i in shown["items"]] == [item_id]
    assert _run(app, "case", "list", "--json")[0]["items"] == 1
    _run(
        app,
        "item",
        "priority",
        str(item_id),
        "threat_to_life",
        "--reason",
        "live threat",
        "--by",
        "alice",
    )
    proposal = _run(
        app,
        "propose",
        str(item_id),
        "--host",
        "DE",
        "--channel",
        "provider_referral",
        "--fact",
        "public=true",
        "--fact",
        "intent=true",
        "--note",
        "one URL only",
        "--by",
        "alice",
        "--json",
    )
    assert proposal["dual_criminality"] == "yes" and proposal["findings"] == []
    assert proposal["assessment"]["priority"] == "threat_to_life"
    queue = _run(app, "review", "queue", "--json")
    assert [q["id"] for q in queue] == [proposal["id"]]
    decided = _run(
        app,
        "review",
        str(proposal["id"]),
        "--approve",
        "--reason",
        "lawful",
        "--by",
        "rita",
        "--json",
    )
    assert decided["state"] == "approved"
    show = _run(app, "item", "show", str(item_id), "--json")
    assert list(show)[:5] == ["item", "reports", "cases", "proposals", "history"]
    assert show["zz_test"] == {"url": show["item"]["url"]}
    assert show["item"]["state"] == "approved"
    assert show["cases"][0]["name"] == "Operation Dawn"
    actions = [e["action"] for e in show["history"]]
    assert actions[:2] == ["item.create", "report.add"]
    assert "item.priority" in actions and "proposal.create" in actions
    assert actions[-2:] == ["item.state", "proposal.approve"]
    assert _run(app, "item", "worklist", "--json")[0]["id"] == item_id


def test_errors_exit_with_one_line(app: typer.Typer, engine: Engine, ready_item: int) -> None:
    bad = _run(
        app,
        "propose",
        str(ready_item),
        "--host",
        "DE",
        "--channel",
        "fax",
        "--note",
        "n",
        "--by",
        "alice",
        code=2,
    )
    assert "--channel: 'fax' is unknown" in bad.output
    proposal = _run(
        app,
        "propose",
        str(ready_item),
        "--host",
        "DE",
        "--channel",
        "provider_referral",
        "--fact",
        "public=true",
        "--fact",
        "intent=true",
        "--note",
        "narrow",
        "--by",
        "alice",
        "--json",
    )
    self_approval = _run(
        app, "review", str(proposal["id"]), "--approve", "--reason", "x", "--by", "alice", code=1
    )
    assert "may not review" in self_approval.output and "Traceback" not in self_approval.output
    both = _run(
        app,
        "review",
        str(proposal["id"]),
        "--approve",
        "--reject",
        "--reason",
        "x",
        "--by",
        "rita",
        code=2,
    )
    assert "exactly one of --approve or --reject" in both.output
    assert "is not a proposal id" in _run(app, "review", "nonsense", code=2).output
    assert "item 999 does not exist" in _run(app, "item", "show", "999", code=1).output
    assert _run(app, "review", "expire", "--json") == {"expired": []}
