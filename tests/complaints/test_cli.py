"""The command line walks a complaint from receipt to outcome, and a retention dry run."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from comity.cli.main import app
from tests.reports.conftest import World


def _run(args: list[str], code: int = 0) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output
    return result.output


def test_a_complaint_from_receipt_to_rejection_on_the_command_line(
    engine: Engine, world: World
) -> None:
    item = str(world.item_ids[2])
    received = json.loads(
        _run(
            [
                "complaint", "receive", item, "--complainant", "The uploader",
                "--from-role", "uploader", "--route", "email", "--grounds", "Satire.",
                "--received", world.today.isoformat(), "--by", "leo", "--json",
            ]
        )
    )  # fmt: skip
    cid = str(received["id"])
    assert received["state"] == "received" and received["dossier"] == world.refs[0]
    refused = _run(["complaint", "review", cid, "--by", "rita"], code=1)
    assert "rita approved the request" in refused
    assert "under review by sam" in _run(["complaint", "review", cid, "--by", "sam"])
    decided = json.loads(
        _run(
            [
                "complaint", "decide", cid, "--outcome", "rejected",
                "--reason", "Not satire: a call to act.", "--by", "sam", "--json",
            ]
        )
    )  # fmt: skip
    assert decided["state"] == "rejected" and decided["decision_reason"].startswith("Not satire")
    listed = json.loads(_run(["complaint", "list", "--json"]))
    assert [c["state"] for c in listed] == ["rejected"]
    never = _run(
        [
            "complaint", "receive", str(world.item_ids[11]), "--complainant", "x",
            "--from-role", "uploader", "--route", "email", "--grounds", "x", "--by", "leo",
        ],
        code=1,
    )  # fmt: skip
    assert f"item {world.item_ids[11]} was never requested" in never


def test_retention_dry_run_and_policy_on_the_command_line(engine: Engine, world: World) -> None:
    dry = json.loads(_run(["retention", "run", "--dry-run", "--by", "sam", "--json"]))
    assert dry["dry_run"] is True and dry["items"] == []
    policy = json.loads(_run(["retention", "policy", "--json"]))
    assert policy["periods"]["evidence.closed"] == 1825 and policy["holds"] == []
    _run(["retention", "hold", "--kind", "evidence", "--min-days", "4000", "--reason", "Statute",
          "--by", "ada"])  # fmt: skip
    refused = _run(["retention", "run", "--dry-run", "--by", "sam"], code=1)
    assert "is shorter than legal hold 1 (4000 days: Statute)" in refused
