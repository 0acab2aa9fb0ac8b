"""What each job kind does: it calls the domain service and commits `finish` with the result.

Kinds: `monitor` (one item's liveness check), `monitor_batch` (the periodic
schedule's checks, many items per job), `capture` (evidence), `attribute`
(hosting), and `render` once the dossiers domain registers its renderer with
`register_handler("render", fn)`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from comity.core.db import read_session, session_scope
from comity.core.errors import BadInput
from comity.core.settings import get_settings
from comity.jobs.ledger import Finisher, JobRun

if TYPE_CHECKING:
    from comity.jobs.queue import Handler, Queue

__all__ = ["HANDLERS", "register_handler", "schedule_due_monitoring"]

log = logging.getLogger("comity.jobs")
MONITOR_BATCH = 500  # items per scheduled monitoring job (at most one monitor chunk)


def _actor(job: JobRun) -> str:
    actor = job.params.get("actor") or get_settings().user
    if not actor:
        raise BadInput(f"job {job.key}: no actor (give one when submitting, or set COMITY_USER)")
    return str(actor)


def monitor_job(engine: Engine, job: JobRun, finish: Finisher) -> dict[str, Any]:
    from comity.tracking.monitor import monitor_items
    from comity.tracking.runtime import hooks_from_settings

    actor = _actor(job)
    item_id = int(job.object_id)
    hooks = hooks_from_settings(get_settings(), engine=engine, actor=actor)
    done: dict[str, Any] = {"item_id": item_id}
    results = monitor_items(
        engine=engine,
        actor=actor,
        hooks=hooks,
        item_ids=[item_id],
        job_key=job.key,
        on_commit=lambda session: finish(session, done),
    )
    return done | {"verdict": results[0]["verdict"] if results else None}


def monitor_batch_job(engine: Engine, job: JobRun, finish: Finisher) -> dict[str, Any]:
    """A scheduled batch: those of `params["items"]` still due, checked together."""
    from comity.tracking.monitor import monitor_items
    from comity.tracking.runtime import hooks_from_settings

    actor = _actor(job)
    item_ids = [int(i) for i in job.params.get("items", [])]
    if not item_ids:
        raise BadInput(f"job {job.key}: no items to check")
    hooks = hooks_from_settings(get_settings(), engine=engine, actor=actor)
    done: dict[str, Any] = {"items": len(item_ids)}
    monitor_items(
        engine=engine,
        actor=actor,
        hooks=hooks,
        item_ids=item_ids,
        due=True,
        job_key=lambda item_id: f"{job.key}/{item_id}",
        on_commit=lambda session: finish(session, done),
    )
    return done


def capture_job(engine: Engine, job: JobRun, finish: Finisher) -> dict[str, Any]:
    from comity.evidence.fetch import Fetcher
    from comity.evidence.service import fetch_and_store, record_capture
    from comity.evidence.store import Store
    from comity.intake.models import Item

    actor = _actor(job)
    settings = get_settings()
    with read_session(engine) as session:
        url = session.scalar(select(Item.url).where(Item.id == int(job.object_id)))
    if url is None:
        raise BadInput(f"job {job.key}: item {job.object_id} does not exist")
    captured = fetch_and_store(
        item_id=int(job.object_id),
        url=url,
        actor=actor,
        fetcher=Fetcher.from_settings(settings),
        store=Store(settings.home),
        screenshot=False,
    )
    with session_scope(engine) as session:
        evidence = record_capture(session=session, captured=captured, actor=actor)
        session.flush()
        result = {"evidence_id": evidence.id, "outcome": evidence.outcome}
        finish(session, result)
    return result


def attribute_job(engine: Engine, job: JobRun, finish: Finisher) -> dict[str, Any]:
    from comity.tracking.runtime import attribute_once

    return attribute_once(
        engine=engine,
        actor=_actor(job),
        item_id=int(job.object_id),
        on_recorded=lambda session, result: finish(session, result),
    )


def webhook_job(engine: Engine, job: JobRun, finish: Finisher) -> dict[str, Any]:
    from comity.webhooks.jobs import webhook_job as deliver

    return deliver(engine, job, finish)


HANDLERS: dict[str, Handler] = {
    "webhook": webhook_job,
    "monitor": monitor_job,
    "monitor_batch": monitor_batch_job,
    "capture": capture_job,
    "attribute": attribute_job,
}


def register_handler(kind: str, handler: Handler) -> None:
    """Let another domain add a job kind (the dossiers domain: `render`)."""
    HANDLERS[kind] = handler


def schedule_due_monitoring(queue: Queue, *, batch: int = MONITOR_BATCH) -> int:
    """Submit the items due in jobs of `batch` items (`monitor_batch`); the number due.

    One job per item cost a ledger transaction, a queue round trip, a prober and
    an event loop for each check, and its checks could not share connections or
    a write transaction. A batch's version is the digest of its items and their
    last checks, so a schedule that runs again before the batch did submits it
    once; a batch only checks those of its items still due when it runs.
    """
    from comity.tracking.models import MonitorState
    from comity.tracking.monitor import select_targets

    actor = queue.settings.user
    if not actor:
        log.warning("periodic monitoring skipped: set COMITY_USER to the account it acts as")
        return 0
    with read_session(queue.engine) as session:
        targets = select_targets(session=session, due=True)
        last = dict(session.execute(select(MonitorState.item_id, MonitorState.last_check_id)).all())
    for start in range(0, len(targets), batch):
        ids = [t.item_id for t in targets[start : start + batch]]
        version = hashlib.sha256(json.dumps([[i, last.get(i)] for i in ids]).encode()).hexdigest()
        queue.submit(
            "monitor_batch", f"{ids[0]}-{ids[-1]}", version[:32], {"actor": actor, "items": ids}
        )
    return len(targets)
