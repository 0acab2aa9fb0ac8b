"""Batch commands on standard input: the same answers as the library call, bad lines named.

`comity assess --batch -`, `comity attribute --ip-file -` and `comity url canonical -`
stream their input; each output line must equal what the library gives for the same
input, a bad line is named by number on stderr while the run goes on (or stops with
--strict), and the exit status says whether any line failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import typer
from typer.testing import CliRunner

from comity.cli.main import build_app
from comity.law.assessment import Assessment
from comity.law.cli_batch import compact
from comity.law.engine import assess
from comity.law.kb.loader import load_kb

DAY = date(2024, 5, 1)
ASSESS_LINES = [
    {"conduct": "terrorism.threat", "host": "KZ", "facts": {"intent": True}},
    {"conduct": "terrorism.threat", "host": "DE", "facts": {"public": True}},
    {"conduct": "terrorism.incitement", "host": "FR", "date": "2020-01-01"},
    {"conduct": "terrorism.threat", "host": "MN", "priority": "threat_to_life"},
]


def _app(module: str) -> typer.Typer:
    return build_app((module,))


def _run(module: str, args: list[str], stdin: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_app(module), args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _library(item: dict[str, Any]) -> Assessment:
    kwargs = dict(item)
    on = kwargs.pop("date", DAY)
    facts = kwargs.pop("facts", {})
    return assess(kb=load_kb(), on=on, facts=facts, **kwargs)


def test_assess_batch_from_stdin_equals_the_engine_in_both_formats() -> None:
    stdin = "".join(json.dumps(item) + "\n" for item in ASSESS_LINES)
    shapes: list[tuple[str, Callable[[Assessment], dict[str, Any]]]] = [
        ("jsonl", Assessment.to_json),
        ("jsonl-compact", compact),
    ]
    for fmt, shape in shapes:
        code, out, err = _run(
            "comity.law.cli",
            ["assess", "--batch", "-", "--format", fmt, "--date", DAY.isoformat()],
            stdin,
        )
        assert code == 0, err
        got = [json.loads(line) for line in out.splitlines()]
        want = [
            {"line": n, **shape(_library(item))} for n, item in enumerate(ASSESS_LINES, start=1)
        ]
        assert got == json.loads(json.dumps(want))


def test_a_bad_assess_line_is_named_and_the_run_goes_on_with_exit_1() -> None:
    lines = [json.dumps(ASSESS_LINES[0]), "not json", '{"conduct": "terrorism.threat"}', ""]
    lines.append(json.dumps(ASSESS_LINES[1]))
    stdin = "\n".join(lines) + "\n"
    args = ["assess", "--batch", "-", "--format", "jsonl-compact", "--date", "2024-05-01"]
    code, out, err = _run("comity.law.cli", args, stdin)
    assert code == 1
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 5]
    assert "line 2: not JSON" in err and "line 3: missing 'host'" in err
    assert "2 line(s) failed" in err


def test_strict_stops_at_the_first_bad_line_and_prints_nothing_after_it() -> None:
    stdin = "\n".join([json.dumps(ASSESS_LINES[0]), "[1]", json.dumps(ASSESS_LINES[1])]) + "\n"
    args = ["assess", "--batch", "-", "--format", "jsonl-compact", "--strict"]
    code, out, err = _run("comity.law.cli", args, stdin)
    assert code == 1
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1]
    assert "line 2: each line must be a JSON object" in err and "--strict" in err


def test_an_unknown_format_is_refused_by_name() -> None:
    code, _, err = _run("comity.law.cli", ["assess", "--batch", "-", "--format", "xml"], "")
    assert code != 0 and "--format 'xml'" in err
