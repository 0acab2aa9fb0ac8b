"""The dashboard and the transparency report pages: who may see them, what they show."""

from __future__ import annotations

from tests.web.conftest import TestClient, log_in


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
