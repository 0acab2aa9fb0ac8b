"""Attacker stories on imports (issue 13): bounded error reports, control characters
refused per row on SQLite and PostgreSQL, and an unterminated quote that swallows nothing.

CI runs this file on both databases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from comity.core.db import read_session
from comity.intake.models import Item, Report
from comity.intake.service import MAX_REPORTED_ERRORS, import_file
from tests.web.conftest import TestClient

HEADER = "url,conduct,note,source\n"
GOOD = "terrorism.threat"


def _count(engine: Engine, model: type[Item] | type[Report]) -> int:
    with read_session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _file(tmp_path: Path, rows: list[str], name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8", newline="")
    return path


def test_a_dry_run_of_many_bad_rows_lists_the_first_thousand_and_counts_the_rest(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    bad = 5 * MAX_REPORTED_ERRORS
    rows = [f"https://h{i}.example/,no.such.conduct,,\n" for i in range(bad)]
    path = _file(tmp_path, [*rows, f"https://ok.example/,{GOOD},,\n"])
    result = import_file(engine=engine, path=path, actor="alice", dry_run=True)
    assert (result.rows, result.valid, result.invalid) == (bad + 1, 1, bad)
    assert len(result.errors) == MAX_REPORTED_ERRORS
    assert result.errors[0].line == 2 and result.errors[-1].line == MAX_REPORTED_ERRORS + 1
    answer = result.to_json()
    assert answer["invalid"] == bad
    assert answer["errors_not_shown"] == bad - MAX_REPORTED_ERRORS
    assert len(answer["errors"]) == MAX_REPORTED_ERRORS


def test_the_api_answer_to_a_flood_of_bad_rows_stays_small(
    client: TestClient, tokens: dict[str, str]
) -> None:
    def dry_run(bad: int) -> bytes:
        rows = "".join(f"https://h{i}.example/,no.such.conduct,,\n" for i in range(bad))
        response = client.post(
            "/api/v1/intake/import",
            files={"file": ("flood.csv", HEADER + rows, "text/csv")},
            data={"dry_run": "true"},
            headers={"Authorization": f"Bearer {tokens['analyst']}"},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["invalid"] == bad and len(body["errors"]) == MAX_REPORTED_ERRORS
        return response.content

    # Ten times the bad rows, the same answer but for the counts: bounded, whatever the file.
    assert len(dry_run(20_000)) <= len(dry_run(2_000)) + 10


@pytest.mark.parametrize(
    ("row", "field", "char"),
    [
        (f"https://x.example/a,{GOOD},evil\x00note,\n", "note", "U+0000"),
        (f"https://x.example/a,{GOOD},,src\x00\n", "source", "U+0000"),
        (f"https://x.example/\x00a,{GOOD},,\n", "url", "U+0000"),
        (f"https://x.example/\x1b[31ma,{GOOD},,\n", "url", "U+001B"),
        (f"https://x.example/a,{GOOD}\x7f,,\n", "conduct", "U+007F"),
        (f"https://x.example/\ta,{GOOD},,\n", "url", "U+0009"),
    ],
)
def test_a_control_character_is_refused_with_its_line_and_the_batch_goes_on(
    engine: Engine, staff: dict[str, str], tmp_path: Path, row: str, field: str, char: str
) -> None:
    # Before: a NUL reached PostgreSQL and aborted the whole batch with a traceback.
    before = [f"https://b{i}.example/,{GOOD},,\n" for i in range(3)]
    after = [f"https://a{i}.example/,{GOOD},tab\there is fine,\n" for i in range(3)]
    path = _file(tmp_path, [*before, row, *after])
    result = import_file(engine=engine, path=path, actor="alice", batch_size=20_000)
    [error] = result.errors
    assert error.line == 5
    assert f"{field}: control character {char}" in error.reason
    assert result.valid == 6 and _count(engine, Item) == 6


def test_a_nul_in_a_twenty_thousand_row_batch_costs_one_row_not_the_batch(
    client: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    rows = [f"https://n{i}.example/,{GOOD},note {i},\n" for i in range(20_000)]
    rows[9_999] = f"https://n9999.example/,{GOOD},nul\x00here,\n"
    response = client.post(
        "/api/v1/intake/import",
        files={"file": ("nul.csv", HEADER + "".join(rows), "text/csv")},
        headers={"Authorization": f"Bearer {tokens['analyst']}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["invalid"] == 1
    assert body["errors"][0]["line"] == 10_001
    assert "note: control character U+0000" in body["errors"][0]["reason"]
    assert _count(engine, Item) == 19_999


def test_a_nul_in_a_single_report_is_a_400_naming_the_field(
    client: TestClient, tokens: dict[str, str]
) -> None:
    for name in ("note", "source", "url"):
        body = {"url": "https://s.example/", "conduct": GOOD} | {
            name: "https://s.example/\x00" if name == "url" else "a\x00b"
        }
        response = client.post(
            "/api/v1/items",
            json=body,
            headers={"Authorization": f"Bearer {tokens['analyst']}"},
        )
        assert response.status_code == 400, response.text
        assert response.json()["field"] == name
    # A note typed in the form's textarea keeps its line breaks and tabs.
    response = client.post(
        "/api/v1/items",
        json={"url": "https://s.example/", "conduct": GOOD, "note": "one\r\ntwo\tthree"},
        headers={"Authorization": f"Bearer {tokens['analyst']}"},
    )
    assert response.status_code == 201, response.text


def test_an_unterminated_quote_swallows_no_row_and_names_the_line_it_opened_on(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    rows = [
        f'https://q1.example/,{GOOD},"the quote opens here,\n',
        f"https://q2.example/,{GOOD},was swallowed before,\n",
        f"https://q3.example/,{GOOD},and so was this,\n",
        f'"https://q4.example/,{GOOD},,\n',
    ]
    path = _file(tmp_path, rows)
    result = import_file(engine=engine, path=path, actor="alice")
    assert [(e.line, "unterminated quote" in e.reason) for e in result.errors] == [
        (2, True),
        (5, True),
    ]
    assert result.valid == 2
    with read_session(engine) as session:
        urls = set(session.scalars(select(Item.url)))
    assert urls == {"https://q2.example/", "https://q3.example/"}


def test_a_hostile_file_imported_twice_adds_nothing_and_loses_nothing(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    rows = [
        f"https://r1.example/,{GOOD},fine,\n",
        f"https://r2.example/,{GOOD},nul\x00,\n",
        f'https://r3.example/,{GOOD},"open,\n',
        f"https://r4.example/,{GOOD},fine,\n",
    ]
    path = _file(tmp_path, rows)
    first = import_file(engine=engine, path=path, actor="alice")
    second = import_file(engine=engine, path=path, actor="alice")
    assert (first.reports_created, second.reports_created) == (2, 0)
    assert first.to_json()["errors"] == second.to_json()["errors"]
    assert _count(engine, Item) == 2 and _count(engine, Report) == 2


def test_the_cli_summary_counts_every_bad_row(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from comity.cli.main import app

    rows = [f"https://c{i}.example/,nope,,\n" for i in range(MAX_REPORTED_ERRORS + 5)]
    path = _file(tmp_path, rows)
    out = CliRunner().invoke(
        app, ["intake", "import", str(path), "--by", "alice", "--dry-run", "--json"]
    )
    data = json.loads(out.stdout)
    assert data["invalid"] == MAX_REPORTED_ERRORS + 5 and data["errors_not_shown"] == 5


@pytest.mark.parametrize("name", ["..", ".", "../../etc/passwd", ".hidden.csv", "/", "..."])
def test_an_upload_named_like_a_folder_is_imported_under_a_safe_name(
    client: TestClient, tokens: dict[str, str], name: str
) -> None:
    # Found by the fuzz suite: an upload called ".." was written to the temporary
    # folder's parent, which is a directory: IsADirectoryError, a 500.
    response = client.post(
        "/api/v1/intake/import",
        files={"file": (name, HEADER + f"https://u.example/,{GOOD},,\n", "text/csv")},
        data={"dry_run": "true"},
        headers={"Authorization": f"Bearer {tokens['analyst']}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["valid"] == 1
    assert "/" not in response.json()["file"] and not response.json()["file"].startswith(".")
