"""The issue form of an EU removal-order request asks about Article 11(3)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from tests.dossiers.test_service import Pipeline
from tests.web.conftest import TestClient, csrf_of, log_in

REASON = "Disclosure would alert the network under investigation."


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    pipeline = Pipeline(engine)
    monkeypatch.setattr("comity.dossiers.issue._default_attribute", lambda: pipeline.attribute)
    return pipeline


def test_the_issue_form_carries_the_request_into_the_annex(
    client: TestClient, passwords: str, pipe: Pipeline
) -> None:
    draft = pipe.eu_draft()
    log_in(client, "leo")
    page = client.get(f"/dossiers/{draft}")
    assert 'name="non_disclosure_reason"' in page.text
    assert '<option value="uz">' in page.text  # the language the reason is written in
    response = client.post(
        f"/dossiers/{draft}/issue",
        data={
            "csrf_token": csrf_of(page.text),
            "non_disclosure_reason": REASON,
            "non_disclosure_weeks": "6",
            "non_disclosure_language": "en",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    language = pipe.state(draft)["languages"][0]
    record = json.loads(pipe.export(draft, "json", language))
    assert record["non_disclosure"] == {"reason": REASON, "language": "en", "weeks": 6}


def test_weeks_that_are_not_a_number_are_refused_by_field(
    client: TestClient, passwords: str, pipe: Pipeline
) -> None:
    draft = pipe.eu_draft()
    log_in(client, "leo")
    page = client.get(f"/dossiers/{draft}")
    response = client.post(
        f"/dossiers/{draft}/issue",
        data={
            "csrf_token": csrf_of(page.text),
            "non_disclosure_reason": REASON,
            "non_disclosure_weeks": "six",
        },
        follow_redirects=False,
    )
    assert response.status_code in (400, 422)
    assert "non_disclosure_weeks" in response.text
    assert pipe.state(draft)["state"] == "draft"


def test_a_note_verbale_form_does_not_offer_it(
    client: TestClient, passwords: str, pipe: Pipeline
) -> None:
    pipe.approved("https://de.example/1")
    [draft] = pipe.build().created
    log_in(client, "leo")
    assert 'name="non_disclosure_reason"' not in client.get(f"/dossiers/{draft.id}").text
