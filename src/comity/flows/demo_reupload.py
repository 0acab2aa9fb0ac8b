"""The demo's re-upload (issue 17): removed content comes back, altered, at a new URL.

A picture reported on one demo site is captured, then removed by its host (the
monitor sees it gone). A resized, re-compressed copy then shows up on another
site and is reported as a new item: intake's capture links it to the removed
item's content group (PDQ), and the monitor's verdict on the removed item
becomes `reappeared`.

The removed picture reaches `removed` through the monitor only, not through a
request: the demo's requested items are HTML pages, and pages are not linked
by text (see comity.evidence.groups).

The same story with a video (`reupload_video`): a trimmed, re-encoded copy is
linked by vPDQ, frame set to frame set. It needs ffmpeg (Debian's, from
tools/system-deps.sh) to make the demo's video and to hash it; without it the
step says so and the demo goes on.

And with a document (`reupload_document`): a PDF leaflet comes back with its
date, time and stewards edited, and is linked by the TLSH of its text (Debian's
pdftotext reads it; without it the step says so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from comity.core.db import get_engine, session_scope

if TYPE_CHECKING:
    from comity.flows.demo import DemoContext

__all__ = ["reupload", "reupload_document", "reupload_video"]


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


def _removed_then_copied(
    ctx: DemoContext,
    paths: tuple[str, str],
    fact: str,
    key: tuple[str, str],
    told: tuple[str, str],
) -> None:
    """Report and capture `paths[0]` on one site, have its host remove it (the monitor
    sees it go), then report and capture the altered copy at `paths[1]` on another;
    `key`: the name of the demo's fact and the label of its line; `told`: how the line
    calls the original and the copy."""
    from comity.evidence.groups import content_group
    from comity.tracking.models import MonitorState
    from comity.tracking.monitor import monitor_items
    from comity.tracking.runtime import hooks_from_settings

    first, second = ctx.net.serving()[:2]
    original, copy_path = paths
    removed = _report_and_capture(ctx, f"http://{first}{original}", f"a propaganda {fact}")
    ctx.net.remove(first, original)  # the host takes it down
    hooks = hooks_from_settings(ctx.settings, engine=get_engine(), actor="alice")
    monitor_items(engine=get_engine(), actor="alice", hooks=hooks, item_ids=[removed])
    copy = _report_and_capture(ctx, f"http://{second}{copy_path}", f"the {fact} again")
    with session_scope() as session:
        group = content_group(session=session, item_id=copy)
        state = session.get(MonitorState, removed)
        verdict = state.verdict if state else None
    member = next((m for m in (group or {}).get("members", []) if m["item_id"] == copy), None)
    ctx.facts[key[0]] = {
        "removed": removed,
        "copy": copy,
        "verdict": verdict,
    }
    how = f"{member['algorithm']} distance {member['distance']}" if member else "not linked"
    ctx.say(
        f"{key[1]}: item {removed} ({told[0]} on {first}) was removed by its host; {told[1]} at "
        f"{second} came in as item {copy}, linked to content group "
        f"{group['id'] if group else '—'} ({how}); monitor verdict on item {removed}: {verdict}"
    )


def reupload(ctx: DemoContext) -> None:
    from comity.demo.media import ORIGINAL, REUPLOAD

    told = ("a picture", "a resized, re-compressed copy")
    _removed_then_copied(ctx, (ORIGINAL, REUPLOAD), "poster", ("reupload", "re-upload"), told)


def reupload_video(ctx: DemoContext) -> None:
    from comity.demo.media import ORIGINAL_VIDEO, REUPLOAD_VIDEO, videos

    if videos() is None:
        ctx.say("re-upload (video): skipped, ffmpeg not installed (bash tools/system-deps.sh)")
        return
    told = ("a 20 s video", "12 s of it re-encoded with another codec")
    key = ("reupload_video", "re-upload (video)")
    _removed_then_copied(ctx, (ORIGINAL_VIDEO, REUPLOAD_VIDEO), "video", key, told)


def reupload_document(ctx: DemoContext) -> None:
    import shutil

    from comity.demo.media import ORIGINAL_PDF, REUPLOAD_PDF

    if shutil.which("pdftotext") is None:
        ctx.say("re-upload (document): skipped, pdftotext not installed (tools/system-deps.sh)")
        return
    told = ("a PDF leaflet", "a copy with its date, time and stewards edited")
    key = ("reupload_document", "re-upload (document)")
    _removed_then_copied(ctx, (ORIGINAL_PDF, REUPLOAD_PDF), "leaflet", key, told)
