"""`comity holds` walks a deconfliction hold from entry to release on the command line."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import Engine
from typer.testing import CliRunner

from comity.cli.main import app


def _run(args: list[str], code: int = 0) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output
    return result.output


def test_a_hold_from_entry_to_release_on_the_command_line(
    engine: Engine, staff: dict[str, str]
) -> None:
    until = (date.today() + timedelta(days=60)).isoformat()
    added = json.loads(
        _run(
            [
                "holds", "add", "--url-prefix", "https://t.me/chan", "--until", until,
                "--agency", "Border Service", "--contact", "desk 4", "--basis", "art. 10",
                "--reason", "observation", "--by", "leo", "--json",
            ]
        )
    )  # fmt: skip
    hid = str(added["id"])
    assert (added["state"], added["scope_value"]) == ("pending", "https://t.me/chan")
    assert "give exactly one scope" in _run(
        ["holds", "add", "--until", until, "--agency", "A", "--basis", "b", "--reason", "r",
         "--by", "leo"], code=2,
    )  # fmt: skip
    assert "four eyes" in _run(["holds", "approve", hid, "--by", "leo"], code=1)
    out = _run(["holds", "approve", hid, "--by", "sam"])
    assert f"deconfliction hold {hid} active" in out and "Border Service" in out
    seen = json.loads(_run(["holds", "list", "--by", "alice", "--json"]))["holds"]
    assert [(h["id"], h["agency"]) for h in seen] == [(added["id"], None)]
    assert "(withheld)" in _run(["holds", "list", "--by", "rita"])
    released = json.loads(
        _run(["holds", "release", hid, "--reason", "operation over", "--by", "sam", "--json"])
    )
    assert (released["state"], released["end_reason"]) == ("released", "operation over")
    assert "0 deconfliction hold(s) expired" in _run(["holds", "expire", "--by", "leo"])
    assert "may not deconflict" in _run(["holds", "expire", "--by", "alice"], code=1)
