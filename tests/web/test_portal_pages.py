"""A portal referral on the web: the sheet is downloaded, the ticket number is asked and shown."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from tests.dossiers.test_portal_referral import PlatformPipeline
from tests.web.conftest import LOCAL, TestClient, log_in


def test_the_sheet_downloads_and_the_portal_ticket_is_asked_recorded_and_shown(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    pipe = PlatformPipeline(engine)
    url = "https://www.youtube.com/watch?v=abc123"
    pipe.approved(url, host="US", channel="provider_referral")
    (draft,) = pipe.build().created
    issued = pipe.issue(draft.id)
    ref = issued.reference
    assert ref is not None
    with TestClient(app, base_url=LOCAL) as client:
        csrf = log_in(client, "leo")
        page = client.get(f"/dossiers/{issued.id}").text
        assert 'href="https://support.google.com/legal/answer/3110420"' in page
        assert "read 2026-12-05, confidence medium" in page
        sheet = client.get(f"/dossiers/{issued.id}/files/sheet/en")
        assert sheet.status_code == 200
        assert sheet.headers["content-type"].startswith("text/plain")
        assert "attachment" in sheet.headers["content-disposition"]
        assert url in sheet.text and "support.google.com/legal" in sheet.text

        board = client.get("/tracking").text
        assert 'name="ticket_number" required' in board
        form = {"csrf_token": csrf, "dossier": str(issued.id)}
        refused = client.post("/tracking/dispatch", data=form, follow_redirects=False)
        assert refused.status_code == 400 and "ticket" in refused.text
        sent = client.post(
            "/tracking/dispatch",
            data={**form, "ticket_number": "GOV-2026-118833"},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        shown = client.get("/tracking").text
        assert '<strong class="ticket">GOV-2026-118833</strong>' in shown
