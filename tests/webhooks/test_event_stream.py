"""The server-sent event stream, served by uvicorn on 127.0.0.1: events arrive as they
are committed, a reconnect resumes after Last-Event-ID, and following the whole chain
needs the audit permission."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from comity.core.db import session_scope
from comity.intake.service import add_report
from tests.web.browser import serve


@pytest.fixture
def url(app: FastAPI) -> Iterator[str]:
    with serve(app) as base:
        yield base


def _events(response: httpx.Response, wanted: int) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    current: dict[str, object] = {}
    for line in response.iter_lines():
        if line.startswith(("id:", "event:", "data:")):
            name, _, value = line.partition(":")
            current[name] = value.strip()
        elif not line and "data" in current:
            current["data"] = json.loads(str(current["data"]))
            found.append(current)
            current = {}
            if len(found) == wanted:
                break
    return found


def test_an_auditor_sees_events_as_they_are_committed_and_resumes_after_the_last(
    url: str, tokens: dict[str, str], engine: Engine
) -> None:
    auditor = {"Authorization": f"Bearer {tokens['auditor']}"}

    def report_later() -> None:
        with session_scope(engine) as session:
            add_report(
                session=session,
                url="https://streamed.example/a",
                conduct="terrorism.glorification",
                actor="alice",
            )

    writer = threading.Thread(target=report_later)
    # The stream takes its starting point before it answers, so the report is written
    # once the answer has begun: no race with a sleep, which a loaded machine lost
    # (the report landed before the stream started, and the stream never saw it).
    # The stream's own timeout is generous: the test ends when both events are read.
    with httpx.Client(base_url=url, timeout=60) as client:
        with client.stream("GET", "/api/v1/events/stream?timeout=30", headers=auditor) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            writer.start()
            got = _events(r, 2)
        writer.join()
        assert [e["event"] for e in got] == ["item.create", "report.add"]
        assert all(e["data"]["actor"] == "alice" for e in got)  # type: ignore[index]
        first = str(got[0]["id"])
        resumed_headers = auditor | {"Last-Event-ID": first}
        with client.stream("GET", "/api/v1/events/stream?timeout=30", headers=resumed_headers) as r:
            again = _events(r, 1)
        assert [e["event"] for e in again] == ["report.add"]


def test_an_analyst_may_follow_one_item_but_not_the_whole_chain(
    url: str, tokens: dict[str, str]
) -> None:
    analyst = {"Authorization": f"Bearer {tokens['analyst']}"}
    with httpx.Client(base_url=url, timeout=10) as client:
        whole = client.get("/api/v1/events/stream?timeout=1", headers=analyst)
        assert whole.status_code == 403
        assert whole.headers["content-type"] == "application/problem+json"
        one = client.get("/api/v1/events/stream/item/1?timeout=1", headers=analyst)
        assert one.status_code == 200 and one.text.startswith("retry: 2000")
