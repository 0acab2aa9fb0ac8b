"""The demo's re-upload (issue 17): removed content comes back, altered, at a new URL.

A picture reported on one demo site is captured, then removed by its host (the
monitor sees it gone). A resized, re-compressed copy then shows up on another
site and is reported as a new item: intake's capture links it to the removed
item's content group (PDQ), and the monitor's verdict on the removed item
becomes `reappeared`.

The removed picture reaches `removed` through the monitor only, not through a
request: the demo's requested items are HTML pages, and pages are not linked
by text (see comity.evidence.groups).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from comity.core.db import get_engine, session_scope

if TYPE_CHECKING:
    from comity.flows.demo import DemoContext

__all__ = ["reupload"]


def _report_and_capture(ctx: DemoContext, url: str, note: str) -> int:
    from comity.evidence.fetch import Fetcher
    from comity.evidence.service import capture_items
    from comity.evidence.store import Store
    from comity.intake.service import add_report

    with session_scope() as session:
        item, _, _ = add_report(
            session=session,
            url=url,
            conduct="terrorism.glorification",
            note=f"demo: {note}",
            source="comity-demo",
            actor="alice",
            allow=ctx.settings.fetch_allow,
        )
        item_id = item.id
    capture_items(
        engine=get_engine(),
        item_ids=[item_id],
        actor="alice",
        fetcher=Fetcher.from_settings(ctx.settings),
        store=Store(ctx.settings.home),
    )
    return item_id


def reupload(ctx: DemoContext) -> None:
    from comity.demo.media import ORIGINAL, REUPLOAD
    from comity.evidence.groups import content_group
    from comity.tracking.models import MonitorState
    from comity.tracking.monitor import monitor_items
    from comity.tracking.runtime import hooks_from_settings

    first, second = ctx.net.serving()[:2]
    poster = _report_and_capture(ctx, f"http://{first}{ORIGINAL}", "a propaganda poster")
    ctx.net.remove(first, ORIGINAL)  # the host takes the picture down
    hooks = hooks_from_settings(ctx.settings, engine=get_engine(), actor="alice")
    monitor_items(engine=get_engine(), actor="alice", hooks=hooks, item_ids=[poster])
    copy = _report_and_capture(ctx, f"http://{second}{REUPLOAD}", "the poster again")
    with session_scope() as session:
        group = content_group(session=session, item_id=copy)
        state = session.get(MonitorState, poster)
        verdict = state.verdict if state else None
    member = next((m for m in (group or {}).get("members", []) if m["item_id"] == copy), None)
    ctx.facts["reupload"] = {"removed": poster, "copy": copy, "verdict": verdict}
    how = f"{member['algorithm']} distance {member['distance']}" if member else "not linked"
    ctx.say(
        f"re-upload: item {poster} (a picture on {first}) was removed by its host; a resized, "
        f"re-compressed copy at {second} came in as item {copy}, linked to content group "
        f"{group['id'] if group else '—'} ({how}); monitor verdict on item {poster}: {verdict}"
    )
