"""Intake: one item per canonical URL, every report kept, bad input named precisely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core import audit
from comity.core.db import read_session
from comity.intake.models import Item, Report

runner = CliRunner()
HEADER = "url,conduct,note,source\n"


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _count(engine: Engine, model: type[Item] | type[Report]) -> int:
    with read_session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_variants_of_one_url_are_one_item_with_every_report_kept(
    engine: Engine, staff: dict[str, str]
) -> None:
    variants = [
        "HTTP://Blog.Example:80/post/../post/1?utm_source=tw&id=7#comments",
        "http://blog.example/post/1?id=7&fbclid=abc",
        "http://blog.example./post/%31?id=7",
    ]
    ids = set()
    for i, url in enumerate(variants):
        code, out, err = _invoke(
            "intake",
            "add",
            url,
            "--conduct",
            "terrorism.incitement",
            "--source",
            f"tip-{i}",
            "--by",
            "alice",
            "--json",
        )
        assert code == 0, err + out
        data = json.loads(out)
        ids.add(data["id"])
        assert data["url"] == "http://blog.example/post/1?id=7"
    assert len(ids) == 1
    assert _count(engine, Item) == 1 and _count(engine, Report) == 3
    code, out, _ = _invoke("items", "list", "--json")
    [item] = json.loads(out)
    assert item["reports"] == 3 and item["conducts"] == ["terrorism.incitement"]
    assert item["registrable_domain"] == "blog.example" and item["state"] == "reported"


def test_same_report_twice_is_kept_once(engine: Engine, staff: dict[str, str]) -> None:
    args = (
        "intake",
        "add",
        "https://a.example/x",
        "--conduct",
        "terrorism.threat",
        "--by",
        "alice",
        "--json",
    )
    assert json.loads(_invoke(*args)[1])["new_report"] is True
    assert json.loads(_invoke(*args)[1])["new_report"] is False
    assert _count(engine, Report) == 1


def test_intake_add_is_audited(engine: Engine, staff: dict[str, str]) -> None:
    _invoke(
        "intake", "add", "https://a.example/x", "--conduct", "terrorism.threat", "--by", "alice"
    )
    with read_session(engine) as session:
        actions = [(e.action, e.actor) for e in audit.iter_events(session)]
    assert ("item.create", "alice") in actions and ("report.add", "alice") in actions


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("javascript:alert(1)", "scheme"),
        ("data:text/html,<b>x</b>", "scheme"),
        ("https://user:secret@a.example/", "user"),
        ("https://exa mple.com/", "host"),
        ("http://192.168.1.10/admin", "public hosts only"),
        ("https://" + "a" * 64 + ".example/", "63"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(
    engine: Engine, staff: dict[str, str], url: str, reason: str
) -> None:
    code, _, err = _invoke("intake", "add", url, "--conduct", "terrorism.threat", "--by", "alice")
    assert code == 2
    assert reason in err.lower() and "Traceback" not in err
    assert _count(engine, Item) == 0


def test_unknown_conduct_code_lists_the_valid_ones(engine: Engine, staff: dict[str, str]) -> None:
    code, _, err = _invoke(
        "intake", "add", "https://a.example/", "--conduct", "terror", "--by", "alice"
    )
    assert code == 2 and "terrorism.incitement" in err


def test_an_auditor_cannot_report(engine: Engine, staff: dict[str, str]) -> None:
    code, _, err = _invoke(
        "intake", "add", "https://a.example/", "--conduct", "terrorism.threat", "--by", "aud"
    )
    assert code == 1 and "may not intake" in err


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def test_import_reports_every_bad_row_and_keeps_the_good_ones(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    rows = [
        "https://good.example/1,terrorism.recruitment,,analyst tip",
        "javascript:alert(1),terrorism.recruitment,,",
        "https://good.example/2,not.a.code,,",
        "https://u:p@good.example/3,terrorism.threat,,",
        'https://good.example/4,terrorism.threat,"quoted, note",',
        "https://10.0.0.1/,terrorism.threat,,",
        "https://good.example/5,terrorism.threat",
    ]
    path = _write(tmp_path / "reports.csv", HEADER + "\r\n".join(rows) + "\r\n")
    code, out, err = _invoke("intake", "import", str(path), "--by", "alice", "--json")
    assert code == 1
    result = json.loads(out)
    assert (result["rows"], result["valid"], result["invalid"]) == (7, 2, 5)
    lines = {e["line"]: e["reason"] for e in result["errors"]}
    assert set(lines) == {3, 4, 5, 7, 8}
    assert "scheme" in lines[3] and "not.a.code" in lines[4] and "fields" in lines[8]
    assert all(e["file"] == str(path) for e in result["errors"])
    assert "5 of 7 rows" in err
    assert _count(engine, Item) == 2


def test_strict_import_writes_nothing_if_any_row_is_bad(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "r.csv",
        HEADER + "https://a.example/1,terrorism.threat,,\nftp://a.example/2,terrorism.threat,,\n",
    )
    code, _, err = _invoke("intake", "import", str(path), "--strict", "--by", "alice")
    assert code == 1 and "r.csv:3" in err and "nothing written" in err
    assert _count(engine, Item) == 0 and _count(engine, Report) == 0


def test_dry_run_validates_without_writing(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path / "r.csv", HEADER + "https://a.example/1,terrorism.threat,,\n")
    code, out, _ = _invoke("intake", "import", str(path), "--dry-run", "--by", "alice", "--json")
    assert code == 0 and json.loads(out)["valid"] == 1
    assert _count(engine, Item) == 0


def test_reimporting_the_same_file_adds_nothing(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    body = "".join(f"https://site{i}.example/p,terrorism.threat,,list\n" for i in range(50))
    path = _write(tmp_path / "r.csv", HEADER + body)
    first = json.loads(_invoke("intake", "import", str(path), "--by", "alice", "--json")[1])
    second = json.loads(_invoke("intake", "import", str(path), "--by", "alice", "--json")[1])
    assert first["items_created"] == 50 and first["reports_created"] == 50
    assert second["items_created"] == 0 and second["reports_created"] == 0
    assert second["reports_existing"] == 50
    assert _count(engine, Report) == 50


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"https://a.example/,terrorism.threat,,\n", "missing header"),
        (b"url,conduct,colour\n", "unknown column"),
    ],
)
def test_file_level_problems_name_the_file(
    engine: Engine, staff: dict[str, str], tmp_path: Path, content: bytes, message: str
) -> None:
    path = _write(tmp_path / "bad.csv", content)
    code, _, err = _invoke("intake", "import", str(path), "--by", "alice")
    assert code == 2 and message in err and "bad.csv" in err


def test_bom_crlf_and_undecodable_bytes(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    content = (
        b"\xef\xbb\xbf" + HEADER.encode() + b"https://a.example/1,terrorism.threat,,\r\n"
        b"https://a.example/\xff\xfe,terrorism.threat,,\r\n"
    )
    path = _write(tmp_path / "bom.csv", content)
    code, out, _ = _invoke("intake", "import", str(path), "--by", "alice", "--json")
    result = json.loads(out)
    assert code == 1 and result["valid"] == 1
    assert result["errors"][0]["line"] == 3 and "UTF-8" in result["errors"][0]["reason"]


def test_a_line_of_megabytes_is_one_bad_row(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    huge = "https://a.example/" + "x" * 3_000_000
    path = _write(
        tmp_path / "huge.csv",
        HEADER + f"{huge},terrorism.threat,,\nhttps://b.example/,terrorism.threat,,\n",
    )
    code, out, _ = _invoke("intake", "import", str(path), "--by", "alice", "--json")
    result = json.loads(out)
    assert code == 1 and result["valid"] == 1 and "longer than" in result["errors"][0]["reason"]


def test_citizenlab_lists_need_a_conduct_code(
    engine: Engine, staff: dict[str, str], tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "kz.csv",
        "url,category_code,category_description,date_added,source,notes\n"
        "https://www.example.org/,POLR,Political Criticism,2017-01-01,,\n",
    )
    code, _, err = _invoke("intake", "import", str(path), "--format", "citizenlab", "--by", "alice")
    assert code == 2 and "--conduct" in err
    code, out, _ = _invoke(
        "intake",
        "import",
        str(path),
        "--format",
        "citizenlab",
        "--conduct",
        "extremism.banned_organisation",
        "--by",
        "alice",
        "--json",
    )
    assert code == 0 and json.loads(out)["items_created"] == 1


def test_real_citizenlab_list_imports_and_reimports_idempotently(
    engine: Engine, staff: dict[str, str]
) -> None:
    path = Path(__file__).resolve().parents[3] / "shared/data/citizenlab-test-lists/lists/kz.csv"
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared/data)")
    code, out, _ = _invoke(
        "intake",
        "import",
        str(path),
        "--format",
        "citizenlab",
        "--conduct",
        "extremism.banned_organisation",
        "--by",
        "alice",
        "--json",
    )
    first = json.loads(out)
    assert first["valid"] > 400 and first["items_created"] > 0
    bad = {e["reason"] for e in first["errors"]}
    assert code == (1 if bad else 0)
    code, out, _ = _invoke(
        "intake",
        "import",
        str(path),
        "--format",
        "citizenlab",
        "--conduct",
        "extremism.banned_organisation",
        "--by",
        "alice",
        "--json",
    )
    assert json.loads(out)["items_created"] == 0 and json.loads(out)["reports_created"] == 0


def test_an_id_clash_fails_loudly_and_writes_nothing(engine: Engine, staff: dict[str, str]) -> None:
    """Attacker story, of a restore rather than an attacker: rows copied into `items` with
    their ids and the id sequence left behind. A bare ON CONFLICT DO NOTHING skipped the
    new item on the id clash, and the report then failed with a KeyError on its own
    item; only the URL's key may be skipped, any other clash must raise."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from comity.core.db import session_scope, utcnow
    from comity.intake.service import add_report

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite gives a new row the largest id plus one: no sequence to fall behind")
    now = utcnow()
    with session_scope(engine) as session:  # id 1 written by hand: the sequence still says 1
        session.execute(
            insert(Item.__table__).values(
                id=1,
                url="https://restored.example/a",
                url_key="0" * 64,
                host="restored.example",
                registrable_domain="restored.example",
                state="reported",
                priority="standard",
                created_at=now,
                updated_at=now,
            )
        )
    with (
        pytest.raises(IntegrityError, match=r"Key \(id\)=\(1\) already exists"),
        session_scope(engine) as session,
    ):
        add_report(
            session=session, url="https://fresh.example/b", conduct="terrorism.threat", actor="alan"
        )
    assert _count(engine, Item) == 1 and _count(engine, Report) == 0
