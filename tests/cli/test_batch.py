"""Batch commands on standard input: the same answers as the library call, bad lines named.

`comity assess --batch -`, `comity attribute --ip-file -` and `comity url canonical -`
stream their input; each output line must equal what the library gives for the same
input, a bad line is named by number on stderr while the run goes on (or stops with
--strict), and the exit status says whether any line failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
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


def test_a_bad_assess_line_is_named_and_the_run_goes_on_with_exit_2() -> None:
    lines = [json.dumps(ASSESS_LINES[0]), "not json", '{"conduct": "terrorism.threat"}', ""]
    lines.append(json.dumps(ASSESS_LINES[1]))
    stdin = "\n".join(lines) + "\n"
    args = ["assess", "--batch", "-", "--format", "jsonl-compact", "--date", "2024-05-01"]
    code, out, err = _run("comity.law.cli", args, stdin)
    assert code == 2
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 5]
    assert "line 2: not JSON" in err and "line 3: missing 'host'" in err
    assert "2 line(s) failed" in err


def test_strict_stops_at_the_first_bad_line_and_prints_nothing_after_it() -> None:
    stdin = "\n".join([json.dumps(ASSESS_LINES[0]), "[1]", json.dumps(ASSESS_LINES[1])]) + "\n"
    args = ["assess", "--batch", "-", "--format", "jsonl-compact", "--strict"]
    code, out, err = _run("comity.law.cli", args, stdin)
    assert code == 2
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1]
    assert "line 2: each line must be a JSON object" in err and "--strict" in err


def test_an_unknown_format_is_refused_by_name() -> None:
    code, _, err = _run("comity.law.cli", ["assess", "--batch", "-", "--format", "xml"], "")
    assert code != 0 and "--format 'xml'" in err


IPS = ["8.8.8.8", "151.101.1.1", "2a01:4f8::10", "10.0.0.1", "104.16.0.1"]


def test_attribute_ip_file_from_stdin_equals_lookup_in_both_formats() -> None:
    from comity.hosting.ipdata.cli_batch import compact as ip_compact
    from comity.hosting.ipdata.commands import ip_json
    from comity.hosting.ipdata.lookup import lookup

    stdin = "".join(ip + "\n" for ip in IPS)
    infos = lookup(IPS)
    code, out, err = _run(
        "comity.hosting.cli", ["attribute", "--ip-file", "-", "--format", "jsonl-compact"], stdin
    )
    assert code == 0, err
    want = [{"line": n, **ip_compact(info)} for n, info in enumerate(infos, start=1)]
    assert [json.loads(line) for line in out.splitlines()] == want
    code, out, err = _run("comity.hosting.cli", ["attribute", "--ip-file", "-", "--json"], stdin)
    assert code == 0, err
    got = [json.loads(line) for line in out.splitlines()]
    for record, info in zip(got, infos, strict=True):
        observed = datetime.fromisoformat(record["observed_at"])
        assert record == json.loads(json.dumps(ip_json(info, observed)))


def test_a_bad_address_is_named_by_line_and_the_good_ones_still_answered() -> None:
    stdin = "8.8.8.8\n999.1.1.1\n# a comment\n151.101.1.1  # fastly\n1.2.3.4 5.6.7.8\n::1\n"
    args = ["attribute", "--ip-file", "-", "--format", "jsonl-compact"]
    code, out, err = _run("comity.hosting.cli", args, stdin)
    assert code == 2
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 4, 6]
    assert "line 2: invalid IP address '999.1.1.1'" in err
    assert "line 5: one address per line" in err


def test_url_canonical_from_stdin_equals_canonicalize_and_names_a_bad_line() -> None:
    from comity.urls.service import canonicalize

    urls = ["HTTP://Example.COM/a/../b?utm_source=x", "not a url", "https://t.me/s/chan"]
    stdin = "".join(u + "\n" for u in urls)
    code, out, err = _run("comity.urls.cli", ["url", "canonical", "-"], stdin)
    assert code == 2
    assert out.splitlines() == [canonicalize(urls[0]).url, canonicalize(urls[2]).url]
    assert "line 2: url 'not a url'" in err
    code, out, _ = _run("comity.urls.cli", ["url", "canonical", "-", "--format", "jsonl"], stdin)
    assert [json.loads(line) for line in out.splitlines()] == [
        {"line": 1, **canonicalize(urls[0]).as_dict()},
        {"line": 3, **canonicalize(urls[2]).as_dict()},
    ]
    code, out, _ = _run("comity.urls.cli", ["url", "canonical", "-", "--strict"], stdin)
    assert code == 2 and out.splitlines() == [canonicalize(urls[0]).url]


def test_output_of_a_chunk_arrives_while_stdin_is_still_open() -> None:
    """Streaming: the first chunk is answered before the input ends (nothing read whole)."""
    import select
    import subprocess
    import sys

    from comity.cli.batch import CHUNK

    code = "from comity.cli.main import main; main(['url', 'canonical', '-'])"
    with subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write("".join(f"https://Example.com/{n}\n" for n in range(CHUNK)))
            proc.stdin.flush()  # stdin stays open: a command reading everything first waits
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            assert ready, "no output while stdin is open"
            assert proc.stdout.readline() == "https://example.com/0\n"
        finally:
            proc.kill()


def test_the_compact_line_names_facts_given_against_each_other() -> None:
    """A compact consumer sees `intent` and `knowing_and_willing` among the missing facts
    though the line gave both; `set_aside` says why."""
    line = {
        "conduct": "terrorism.glorification",
        "host": "FR",
        "facts": {"public": True, "intent": True, "knowing_and_willing": False},
    }
    consistent = {**line, "facts": {"public": True, "intent": True}}
    stdin = json.dumps(line) + "\n" + json.dumps(consistent) + "\n"
    args = ["assess", "--batch", "-", "--format", "jsonl-compact", "--date", "2024-05-01"]
    code, out, _ = _run("comity.law.cli", args, stdin)
    first, second = (json.loads(text) for text in out.splitlines())
    assert code == 0
    assert first["dual_criminality"] == "conditional"
    assert first["set_aside"] == ["intent", "knowing_and_willing"]
    assert {"intent", "knowing_and_willing"} <= set(first["missing_facts"])
    assert (second["dual_criminality"], second["set_aside"]) == ("yes", [])
