"""Killing an import leaves complete rows only; running it again finishes the job once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from comity.core import audit
from comity.core.db import read_session
from comity.core.settings import Settings
from comity.intake.models import Item, ItemConduct, Report


def _counts(engine: Engine) -> tuple[int, int]:
    with read_session(engine) as session:
        items = session.scalar(select(func.count()).select_from(Item)) or 0
        reports = session.scalar(select(func.count()).select_from(Report)) or 0
    return int(items), int(reports)


def _write(path: Path, rows: int, attempt: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("url,conduct,note,source\n")
        for i in range(rows):
            f.write(f"https://s{i % 997}.example/a{attempt}/p/{i},terrorism.glorification,,bulk\n")


# A process started with SIGINT ignored (a background job of a non-interactive
# shell, as a CI runner may start the suite) passes SIG_IGN on to its children,
# and Python then installs no KeyboardInterrupt handler: the import would run to
# the end every time. The child therefore sets the default handler itself.
_RUN_COMITY = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'comity'; runpy.run_module('comity', run_name='__main__', alter_sys=True)"
)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_import_keeps_complete_rows_and_rerun_adds_the_rest_once(
    engine: Engine, settings: Settings, staff: dict[str, str], tmp_path: Path, sig: int
) -> None:
    env = os.environ | {
        "COMITY_HOME": str(tmp_path),
        "COMITY_DATABASE_URL": settings.resolved_database_url,
        "COMITY_USER": "alice",
        "COMITY_IMPORT_BATCH_SIZE": "300",
    }
    # The kill must land while the import runs. On a loaded machine this
    # process can be starved long enough for the importer to finish first: then
    # the attempt taught nothing, and the next one imports a file twice as big
    # (other URLs), instead of the test failing on timing.
    before = 0
    for attempt in range(4):
        rows = 30_000 * 2**attempt
        path = tmp_path / f"big{attempt}.csv"
        _write(path, rows, attempt)
        cmd = [sys.executable, "-c", _RUN_COMITY, "intake", "import", str(path)]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while _counts(engine)[0] == before and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        items, reports = _counts(engine)
        if items < before + rows:
            break
        before = items
    assert before < items < before + rows, "every kill came too late to test anything"
    with read_session(engine) as session:
        # complete rows only: every item has its report and its conduct, and the chain holds
        orphans = session.scalar(
            select(func.count()).select_from(Item).where(~Item.id.in_(select(Report.item_id)))
        )
        without_conduct = session.scalar(
            select(func.count()).select_from(Item).where(~Item.id.in_(select(ItemConduct.item_id)))
        )
        assert orphans == 0 and without_conduct == 0 and items == reports
        assert audit.verify_chain(session).ok
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert _counts(engine) == (before + rows, before + rows)
