"""`comity worker`: a huey consumer for Comity's jobs (any number, on any machine)."""

from __future__ import annotations

import logging
from datetime import timedelta

from comity.core.settings import Settings
from comity.jobs.queue import Queue

__all__ = ["run_worker"]


def run_worker(settings: Settings, *, workers: int = 1, lease: timedelta | None = None) -> None:
    """Run until interrupted. Jobs lost by a dead worker are re-queued at start and every
    15 minutes (the periodic schedule), once their lease has expired."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    queue = Queue(settings, **({"lease": lease} if lease else {}))
    requeued = queue.reap()
    if requeued:
        logging.getLogger("comity.jobs").info("re-queued %d jobs of dead workers", len(requeued))
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.run()
