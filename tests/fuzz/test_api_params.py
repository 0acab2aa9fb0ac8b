"""Fuzz: the query parameters of every GET route and the intake POST routes, through
the real application, logged in as a supervisor (who may read, audit and report).

No input may give a 500 or an unhandled exception (the test client re-raises
any). Routes and their parameters are read from the app's own route table, so
a new route is fuzzed without editing this file (issue 13).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.strategies import (
    CODES,
    EXAMPLES,
    FUZZ,
    csv_files,
    param_values,
    raw_urls,
    texts,
)
from tests.web.conftest import TestClient, log_in

pytestmark = pytest.mark.fuzz

# The worklist page reads its filters from the raw query string, not from declared parameters.
PAGE_FILTERS = ["state", "conduct", "priority", "domain", "host_country", "provider", "channel"]
EXTRA = {"/items": [*PAGE_FILTERS, "min_age_days", "max_age_days", "q", "page"]}
INTAKE_POSTS = ["/api/v1/items", "/intake", "/api/v1/intake/import", "/intake/import"]
# Server-sent event streams stay open for `timeout` seconds (at least one): drawn among
# the other routes, one input in fifty would wait a minute and 100,000 inputs a day.
STREAMS = "/api/v1/events/stream"


def _query_names(dependant: Any) -> list[str]:
    names = [p.alias for p in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_names(sub)
    return names


def _get_routes(app: FastAPI) -> list[tuple[str, list[str]]]:
    """(path, query parameter names) of every GET route."""
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and "GET" in (context.methods or ()):
            path = str(context.path)
            out.append((path, sorted({*_query_names(route.dependant), *EXTRA.get(path, [])})))
    assert len(out) >= 15, "the route table was not read"
    return out


def _fill(path: str, values: list[str]) -> str:
    """Path parameters from fuzzed values, percent-encoded as a browser would send them."""
    given_values = iter(values)
    return re.sub(r"\{\w+\}", lambda _: quote(next(given_values, "1"), safe=""), path)


def _check(response: Any, what: object) -> None:
    assert response.status_code < 500, (what, response.status_code, response.text[:500])


def test_no_parameter_of_any_get_route_or_intake_post_gives_a_500(
    app: FastAPI, client: TestClient, passwords: str
) -> None:
    csrf = log_in(client, "sam")
    client.post(
        "/api/v1/items",
        json={"url": "https://seed.example/", "conduct": CODES[0]},
        headers={"x-csrf-token": csrf},
    )
    routes = []
    for path, names in _get_routes(app):
        if path.startswith(STREAMS):
            continue  # held open until their timeout: fuzzed apart, below, with timeout=1
        if names or "{" in path:
            routes.append((path, names))
            continue
        # A route without parameters has only undeclared ones to try: once is enough
        # (the dashboard alone takes most of a second to draw its charts).
        hostile = [("x\x00", "\x00"), ("page", str(2**64)), ("to", "9999-12-31")]
        _check(client.get(path, params=hostile, follow_redirects=False), path)

    @FUZZ
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        if data.draw(st.integers(0, 4)) == 0:  # one input in five is an intake POST
            _post(client, csrf, data.draw(st.sampled_from(INTAKE_POSTS)), data)
            return
        path, names = data.draw(st.sampled_from(routes))
        ids = data.draw(st.lists(param_values, min_size=2, max_size=3))
        chosen = data.draw(st.lists(st.sampled_from(names or ["x"]), max_size=4))
        noise = data.draw(st.lists(texts, max_size=1))  # an undeclared parameter
        query = [(name, data.draw(param_values)) for name in [*chosen, *noise]]
        url = _fill(path, ids)
        _check(client.get(url, params=query, follow_redirects=False), (url, query))

    run()


def _post(client: TestClient, csrf: str, path: str, data: st.DataObject) -> None:
    headers = {"x-csrf-token": csrf}
    fields = {
        "url": data.draw(raw_urls),
        "conduct": data.draw(st.one_of(st.sampled_from(CODES), texts)),
        "note": data.draw(texts),
        "source": data.draw(texts),
    }
    if path == "/api/v1/items":
        body = {k: v for k, v in fields.items() if v or k in ("url", "conduct")}
        response = client.post(path, json=body, headers=headers)
    elif path == "/intake":
        response = client.post(path, data=fields | {"csrf_token": csrf}, headers=headers)
    else:
        upload = {"file": (data.draw(texts) or "x.csv", data.draw(csv_files()), "text/csv")}
        form = {
            "conduct": data.draw(st.sampled_from(["", CODES[0], "nonsense"])),
            "strict": data.draw(st.sampled_from(["", "true", "false", "yes", "2"])),
            "dry_run": data.draw(st.sampled_from(["true", "true", "", "maybe"])),
            "csrf_token": csrf,
        }
        response = client.post(path, files=upload, data=form, headers=headers)
    _check(response, (path, fields))


def test_no_parameter_of_an_event_stream_gives_a_500(
    app: FastAPI, client: TestClient, passwords: str
) -> None:
    log_in(client, "sam")
    streams = [(p, n) for p, n in _get_routes(app) if p.startswith(STREAMS)]
    assert len(streams) == 2, streams

    # Each input costs the one second the stream stays open: a bounded number of them.
    @settings(max_examples=min(EXAMPLES, 12), deadline=None, derandomize=True)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        path, names = data.draw(st.sampled_from(streams))
        ids = data.draw(st.lists(param_values, min_size=2, max_size=3))
        chosen = data.draw(st.lists(st.sampled_from([n for n in names if n != "timeout"])))
        query = [(name, data.draw(param_values)) for name in chosen[:3]] + [("timeout", "1")]
        last_id = "".join(c for c in data.draw(texts) if " " <= c <= "~")  # a valid header
        headers = {"Last-Event-ID": last_id}
        url = _fill(path, ids)
        _check(client.get(url, params=query, headers=headers, follow_redirects=False), url)

    run()
