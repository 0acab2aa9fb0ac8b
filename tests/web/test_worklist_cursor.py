"""The worklist page pages by cursor (issue 19 item 1: keyset pagination wherever a list
can be deep): following "Next" from the first page visits every item once, in the
order of the first page's query, however many reports arrive meanwhile."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import Engine, update

from comity.core.db import session_scope
from comity.intake.models import Item
from comity.web.paging import encode_cursor
from tests.web.conftest import LOCAL, TestClient, log_in
from tests.web.test_workflow_pages import _item
from tests.web.test_worklist_deadlines import _rows

NEXT = re.compile(r'<a href="/items\?([^"]+)" rel="next">')


def _walk(client: TestClient, first: str) -> tuple[list[int], list[str]]:
    """Every item from `first` on, following the page's own Next link; and the pages' headers."""
    seen: list[int] = []
    counts: list[str] = []
    html = client.get(first).text
    while True:
        seen += _rows(html)
        counts.append(re.search(r'<p class="muted">([^<]+)</p>', html)[1])  # type: ignore[index]
        link = NEXT.search(html)
        if not link:
            return seen, counts
        html = client.get("/items?" + link[1].replace("&amp;", "&")).text


def _items(engine: Engine, n: int, prefix: str) -> list[int]:
    return [_item(engine, f"https://{prefix}.example/post/{i}") for i in range(n)]


def test_next_walks_every_item_once_across_priority_levels(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    ids = _items(engine, 130, "walk")
    urgent = set(ids[10:14] + ids[90:93])  # threat to life: listed first, newest first
    with session_scope(engine) as session:
        session.execute(update(Item).where(Item.id.in_(urgent)).values(priority="threat_to_life"))
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "alice")
        seen, counts = _walk(client, "/items")
        offset_pages = [_rows(client.get(f"/items?page={n}").text) for n in (1, 2, 3)]
    expected = sorted(urgent, reverse=True) + sorted(set(ids) - urgent, reverse=True)
    assert seen == expected  # each once, in the worklist's order
    assert seen == [i for page in offset_pages for i in page]  # the same order as offsets
    assert counts[0] == "Items: 130 · page 1 of 3"
    assert counts[1:] == ["Page 2", "Page 3"]  # cursor pages are not counted again


def test_reports_arriving_in_front_neither_repeat_nor_skip_an_item(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    ids = _items(engine, 120, "steady")
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "alice")
        first = client.get("/items").text
        link = NEXT.search(first)
        assert link
        # Ten new reports while the analyst reads page 1: with an offset, page 2 would
        # repeat the ten items that page 1 ended on.
        _items(engine, 10, "meanwhile")
        second = client.get("/items?" + link[1].replace("&amp;", "&")).text
    assert _rows(first) == sorted(ids, reverse=True)[:50]
    assert _rows(second) == sorted(ids, reverse=True)[50:100]


def test_filters_survive_the_cursor_and_an_edited_cursor_is_refused(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    wanted = _items(engine, 60, "wanted")
    _items(engine, 20, "other")
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "alice")
        seen, _ = _walk(client, "/items?domain=wanted.example")
        forged = client.get("/items", params={"cursor": encode_cursor("items", ["x", 1])})
        foreign = client.get("/items", params={"cursor": encode_cursor("reports", [0, 1])})
    assert seen == sorted(wanted, reverse=True)
    for answer in (forged, foreign):
        assert answer.status_code == 400
        assert "cursor" in answer.text
