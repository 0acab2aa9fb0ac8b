"""Attacker stories on the evidence store: tampering, path traversal, a kill mid-capture."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select, update
from typer.testing import CliRunner

from comity.cli.main import app as main_app
from comity.core.audit import AuditEvent
from comity.core.db import read_session, session_scope
from comity.core.settings import Settings
from comity.evidence.models import Evidence
from comity.evidence.store import Store, StoreError
from tests.evidence.conftest import add_item
from tests.evidence.servers import WebServer, page
from tests.evidence.test_capture import HTML, capture, invoke

STORE_NAME = re.compile(
    r"^(objects|evidence|screenshots)/[0-9a-f]{2}/[0-9a-f]{64}(\.warc\.gz|\.png)?$"
)


def _stored_files(home: Path) -> list[str]:
    return sorted(
        p.relative_to(home).as_posix()
        for p in home.rglob("*")
        if p.is_file() and not p.name.startswith("comity.db")
    )


def _captured(engine: Engine, web: WebServer) -> dict[str, object]:
    web.routes["/p"] = page(HTML)
    [entry] = capture(add_item(engine, web.url("/p")))
    assert entry["outcome"] == "ok"
    return entry


def test_verify_passes_on_untouched_evidence(
    engine: Engine, staff: dict[str, str], web: WebServer
) -> None:
    _captured(engine, web)
    code, out, _ = invoke("evidence", "verify", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["files_checked"] == 2


def test_tampered_evidence_file_is_detected(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    entry = _captured(engine, web)
    warc = settings.home / str(entry["warc_path"])
    warc.chmod(0o644)  # stored files are sealed read-only; an insider can still chmod
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    code, out, _ = invoke("evidence", "verify")
    assert code == 1 and "was altered" in out and str(entry["warc_path"]) in out


def test_missing_evidence_file_is_detected(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    entry = _captured(engine, web)
    (settings.home / str(entry["content_path"])).unlink()
    code, out, _ = invoke("evidence", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and any("is missing" in p for p in report["problems"])


@pytest.mark.parametrize(
    "bad",
    ["../../../../etc/passwd", "/etc/passwd", "evidence/../../outside.warc.gz", "SWAP"],
)
def test_tampered_warc_path_in_the_database_is_refused(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer, bad: str
) -> None:
    entry = _captured(engine, web)
    if bad == "SWAP":  # another genuine store file: right shape, wrong evidence
        bad = str(entry["content_path"])
    with session_scope(engine) as session:
        session.execute(update(Evidence).values(warc_path=bad))
    code, out, _ = invoke("evidence", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and any(
        "refusing path" in p or "does not match" in p for p in report["problems"]
    )


def test_symlink_in_the_store_is_refused(
    engine: Engine,
    staff: dict[str, str],
    settings: Settings,
    web: WebServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    entry = _captured(engine, web)
    outside = tmp_path_factory.mktemp("outside") / "secret"
    outside.write_bytes(HTML)  # same bytes, so only the symlink check can catch it
    stored = settings.home / str(entry["content_path"])
    stored.unlink()
    stored.symlink_to(outside)
    with pytest.raises(StoreError, match="symbolic link"):
        Store(settings.home).path(str(entry["content_path"]))
    code, out, _ = invoke("evidence", "verify")
    assert code == 1 and "symbolic link" in out


def test_file_names_from_captured_content_never_become_paths(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/download/..%2F..%2F..%2Fevil.sh"] = page(
        b"#!/bin/sh\necho owned\n",
        Content_Disposition='attachment; filename="../../../../tmp/evil.sh"; '
        "filename*=UTF-8''..%2F..%2Fevil.sh",
    )
    [entry] = capture(add_item(engine, web.url("/download/..%2F..%2F..%2Fevil.sh")))
    assert entry["outcome"] == "ok"
    files = _stored_files(settings.home)
    assert files and all(STORE_NAME.match(f) for f in files), files
    assert not any("evil" in p.name for p in settings.home.parent.rglob("*"))
    assert not Path("/tmp/evil.sh").exists()
    with read_session(engine) as session:
        [row] = session.scalars(select(Evidence)).all()
        # The header is kept as data in the row, nothing more.
        assert any(k.lower() == "content-disposition" and "evil.sh" in v for k, v in row.headers)


_CHILD = r"""
import os, sys, time
from comity.core.db import get_engine
from comity.core.settings import get_settings
from comity.evidence import store as store_module
from comity.evidence.fetch import Fetcher
from comity.evidence.service import capture_items
from comity.evidence.store import Store

original = store_module.Store._publish
def stall(self, kind, tmp):
    # The temp file is complete and fsynced; stop here until killed.
    print("WRITTEN", tmp, flush=True)
    time.sleep(120)
    return original(self, kind, tmp)
store_module.Store._publish = stall
settings = get_settings()
capture_items(engine=get_engine(), item_ids=[int(sys.argv[1])], actor="alice",
              fetcher=Fetcher.from_settings(settings), store=Store(settings.home))
"""


def test_kill_during_capture_leaves_no_final_file_and_no_row(
    engine: Engine, staff: dict[str, str], settings: Settings, web: WebServer
) -> None:
    web.routes["/p"] = page(HTML)
    item_id = add_item(engine, web.url("/p"))
    env = dict(os.environ)
    env.update(
        COMITY_HOME=str(settings.home),
        COMITY_DATABASE_URL=settings.resolved_database_url,
        COMITY_FETCH_ALLOW="127.0.0.1",
        COMITY_FETCH_ALLOWED_PORTS=str(web.port),
    )
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(item_id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("WRITTEN"), child.stderr.read() if child.stderr else line
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    store = Store(settings.home)
    leftovers = list(store.tmp_dir.glob("*.part"))
    assert leftovers  # the kill really happened after the temp file was written
    assert not [f for f in _stored_files(settings.home) if STORE_NAME.match(f)]
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Evidence)) == 0
    code, out, _ = invoke("evidence", "verify", "--json")
    assert code == 0 and json.loads(out)["temp_swept"] == len(leftovers)
    assert list(store.tmp_dir.glob("*.part")) == []


def _audit_verify() -> tuple[int, list[tuple[str, str, str]]]:
    result = CliRunner().invoke(main_app, ["audit", "verify", "--json"])
    code, out = result.exit_code, result.stdout
    found = json.loads(out)["data"]["differences"]
    return code, [(d["object_type"], d["object_id"], d["problem"]) for d in found]


def report_event(engine: Engine, evidence_id: object) -> int:
    """The audit event that recorded the evidence row's capture."""
    with read_session(engine) as session:
        seq = session.scalar(
            select(AuditEvent.seq).where(
                AuditEvent.object_type == "evidence", AuditEvent.object_id == str(evidence_id)
            )
        )
    assert seq is not None
    return seq


def test_an_evidence_row_pointed_at_another_captures_file_is_reported(
    engine: Engine, staff: dict[str, str], web: WebServer
) -> None:
    web.routes["/a"] = page(HTML)
    web.routes["/b"] = page(HTML.replace(b"violence", b"another page"))
    [first] = capture(add_item(engine, web.url("/a")))
    [second] = capture(add_item(engine, web.url("/b")))
    assert first["content_sha256"] != second["content_sha256"]
    assert _audit_verify() == (0, [])
    with session_scope(engine) as session:
        session.execute(
            update(Evidence)
            .where(Evidence.id == first["id"])
            .values(
                content_path=second["content_path"],
                content_sha256=second["content_sha256"],
                content_length=second["content_length"],
            )
        )
    # Every file still matches the hash its row now names: only the chain can tell.
    assert _audit_verify() == (1, [("evidence", str(first["id"]), "state_differs")])
    code, out, _ = invoke("evidence", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and report["problems"] == [
        f"evidence {first['id']}: the row differs from its last audited event "
        f"{report_event(engine, first['id'])}"
    ]


def test_a_deleted_evidence_row_is_reported(
    engine: Engine, staff: dict[str, str], web: WebServer
) -> None:
    entry = _captured(engine, web)
    with session_scope(engine) as session:
        session.execute(delete(Evidence).where(Evidence.id == entry["id"]))
    assert _audit_verify() == (1, [("evidence", str(entry["id"]), "deleted")])
    code, out, _ = invoke("evidence", "verify")
    assert code == 1 and f"evidence {entry['id']}: the row is gone" in out
