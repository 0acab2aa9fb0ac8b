"""`comity hashes export|import|imports` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from comity.hashexchange.cli import register
from tests.evidence.servers import WebServer

app = typer.Typer()
app.callback()(lambda: None)
register(app)
runner = CliRunner()


def test_export_then_import_on_the_command_line(
    engine: Engine, approved_site: tuple[WebServer, list[int]], tmp_path: Path
) -> None:
    out = tmp_path / "hashes.json"
    done = runner.invoke(
        app, ["hashes", "export", "--format", "stix", "-o", str(out), "--by", "leo", "--json"]
    )
    assert done.exit_code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["items"] == 2 and summary["tlp"] == "amber" and out.is_file()
    done = runner.invoke(
        app,
        [
            "hashes",
            "import",
            str(out),
            "--format",
            "stix",
            "--source",
            "ourselves",
            "--by",
            "alice",
        ],
    )
    assert done.exit_code == 0, done.stderr
    assert (
        f"{summary['hashes']} new hashes of {summary['hashes']} rows from ourselves" in done.stdout
    )
    listed = json.loads(runner.invoke(app, ["hashes", "imports", "--json"]).stdout)
    assert [(i["source"], i["imported_by"], i["file_sha256"]) for i in listed] == [
        ("ourselves", "alice", summary["file_sha256"])
    ]


def test_a_bad_file_exits_2_naming_the_row(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("hash_type,hash_value\nPDQ,xyz\n")
    done = runner.invoke(
        app,
        ["hashes", "import", str(bad), "--format", "tcap-csv", "--source", "s", "--by", "alice"],
    )
    assert done.exit_code == 2
    assert "row 2, field hash_value: 'xyz' is not a pdq hash" in done.stderr
