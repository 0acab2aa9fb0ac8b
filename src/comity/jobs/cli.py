"""`comity worker` and `comity jobs submit|show`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy import select

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import get_engine, read_session
from comity.core.errors import BadInput
from comity.core.settings import get_settings
from comity.jobs.models import JobRun
from comity.jobs.queue import get_queue
from comity.jobs.worker import run_worker
from comity.users.proof import check_scope

__all__ = ["register"]

jobs_app = typer.Typer(help="Background jobs: submit and inspect.", no_args_is_help=True)


def worker(
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker threads.")] = 1,
    lease: Annotated[
        float, typer.Option("--lease", min=1.0, help="Seconds a claimed job is held.")
    ] = 600.0,
) -> None:
    """Run a worker for background jobs (capture, attribution, monitoring, rendering)."""
    with handle_errors():
        run_worker(get_settings(), workers=workers, lease=timedelta(seconds=lease))


@jobs_app.command("submit")
def submit(
    kind: Annotated[str, typer.Argument(help="monitor, capture, attribute (render: dossiers)")],
    object_id: Annotated[str, typer.Argument(help="The object's id (an item id).")],
    version: Annotated[str, typer.Option("--version", help="Run again under a new version.")] = "1",
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Queue one job; a job already done under that version is not run again."""
    with handle_errors():
        who = actor(by)
        if not who:
            raise BadInput("who is acting? give --by USER or set COMITY_USER")
        check_scope(who, kind)  # the worker runs it later, where no token is in sight
        key, queued = get_queue().submit(kind, object_id, version, {"actor": who})
    if as_json:
        print_json({"key": key, "queued": queued})
    else:
        console.print(f"{key}: {'queued' if queued else 'done already'}", markup=False)


@jobs_app.command("list")
def list_jobs(
    state: Annotated[
        str | None, typer.Option("--state", help="queued, running, done, failed")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Jobs in the ledger (newest first, 200 at most)."""
    with handle_errors(), read_session(get_engine()) as session:
        query = select(JobRun).order_by(JobRun.created_at.desc()).limit(200)
        if state:
            query = query.where(JobRun.state == state)
        rows = [
            {
                "key": j.key,
                "state": j.state,
                "attempts": j.attempts,
                "error": j.error,
                "result": j.result,
            }
            for j in session.scalars(query)
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(f"{row['key']}  {row['state']}  attempts={row['attempts']}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.add_typer(jobs_app, name="jobs")
