"""The dashboard and the transparency report pages: who may see them, what they show."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from comity.core.settings import Settings
from comity.web import reportpages
from comity.web.app import create_app
from tests.web.conftest import LOCAL, TestClient, log_in


def test_dashboard_is_for_supervisors_and_auditors_with_sanitised_charts(
    client: TestClient, passwords: str
) -> None:
    log_in(client, "sam")
    response = client.get("/dashboard")
    assert response.status_code == 200
    charts = response.text.split("<svg", 1)[1]
    assert response.text.count("<svg") == 5 and "<script" not in charts and "onload" not in charts


def test_an_analyst_cannot_open_the_dashboard(client: TestClient, passwords: str) -> None:
    log_in(client, "alice")
    assert client.get("/dashboard").status_code == 403


def test_transparency_page_and_downloads_are_aggregates_only(
    client: TestClient, passwords: str
) -> None:
    log_in(client, "alice")
    page = client.get("/transparency?from=2026-01-01&to=2026-12-31")
    assert page.status_code == 200 and "alice" not in page.text.split("<main", 1)[-1]
    pdf = client.get("/transparency/report?format=pdf&from=2026-01-01&to=2026-12-31&lang=kk")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("attachment;")
    data = client.get("/transparency/report?format=json&from=2026-01-01&to=2026-12-31").json()
    assert "alice" not in str(data) and data["period"]
    assert client.get("/transparency/report?format=exe").status_code == 400
    assert client.get("/transparency?from=2026-12-31&to=2026-01-01").status_code == 400


def _as_of(html: str) -> str:
    return html.split("Figures as of", 1)[1].split("</time>", 1)[0]


def test_the_dashboard_is_computed_once_per_period_however_many_look(
    app: FastAPI, passwords: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[str] = []
    real = reportpages._dashboard_view

    def counting(lang: str) -> dict[str, Any]:
        computed.append(lang)
        return real(lang)

    monkeypatch.setattr(reportpages, "_dashboard_view", counting)
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "sam")
        with ThreadPoolExecutor(max_workers=8) as pool:
            pages = list(pool.map(lambda _: client.get("/dashboard").text, range(16)))
        client.cookies.set("comity_lang", "ru")
        russian = client.get("/dashboard").text
    assert computed == ["en", "ru"]  # 16 concurrent views, one computation per language
    assert len({_as_of(p) for p in pages}) == 1
    assert "They are recomputed at most every 30 s." in pages[0]
    assert "Показатели на" in russian


def test_with_no_cache_period_every_view_recomputes(
    settings: Settings, engine: Engine, passwords: str
) -> None:
    app = create_app(settings.model_copy(update={"dashboard_cache_seconds": 0}))
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "sam")
        first = client.get("/dashboard").text
        time.sleep(1.1)  # the shown time has seconds
        second = client.get("/dashboard").text
    assert _as_of(first) != _as_of(second)
    assert "recomputed at most" not in first


def test_an_expired_view_is_shown_while_it_is_recomputed_behind_the_requests(
    app: FastAPI, passwords: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    started, release = threading.Event(), threading.Event()
    real = reportpages._dashboard_view
    slow = {"on": False}

    def gated(lang: str) -> dict[str, Any]:
        if slow["on"]:
            started.set()
            release.wait(10)
        return real(lang)

    monkeypatch.setattr(reportpages, "_dashboard_view", gated)
    app.state.settings = app.state.settings.model_copy(update={"dashboard_cache_seconds": 1})
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "sam")
        first = _as_of(client.get("/dashboard").text)
        time.sleep(1.1)  # expired
        slow["on"] = True
        with ThreadPoolExecutor(max_workers=1) as pool:
            # The request that finds the view expired is answered at once, not after
            # the recomputation it started (which waits for `release`).
            finder = pool.submit(lambda: client.get("/dashboard").text).result(timeout=10)
            assert started.wait(10)
            meanwhile = client.get("/dashboard").text  # nor is any other request
            release.set()
            for _ in range(100):  # the new view replaces the old once computed
                after = _as_of(client.get("/dashboard").text)
                if after != first:
                    break
                time.sleep(0.05)
    assert _as_of(finder) == _as_of(meanwhile) == first and after != first
