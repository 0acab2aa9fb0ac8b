"""An analyst's facts that contradict each other (the aim, yet an unwitting share) are not
decided on: the case file says they were asked again, in words, in each language."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from tests.cases.conftest import add_evidence, attribute_directly, make_item, make_proposal
from tests.web.conftest import LOCAL, TestClient, log_in
from tests.web.test_words_not_codes import visible_text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "given against each other"),
        ("ru", "указаны противоречиво"),
        ("kk", "бір-біріне қайшы көрсетілген"),
    ],
)
def test_contradictory_facts_are_shown_as_asked_again(
    app: FastAPI, engine: Engine, passwords: str, lang: str, words: str
) -> None:
    item_id = make_item(engine, "https://praise.example/post/7", "terrorism.glorification")
    attribute_directly(engine, item_id, "FR")
    with TestClient(app, base_url=LOCAL) as client:
        csrf = log_in(client, "alice")
        facts = {"fact_public": "true", "fact_intent": "true", "fact_knowing_and_willing": "false"}
        done = client.post(
            f"/items/{item_id}/assess",
            data={"csrf_token": csrf, **facts},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        client.cookies.set("comity_lang", lang)
        page = client.get(f"/items/{item_id}")
        text = visible_text(page.text, lang)
        assert words in text, text[:2000]
        # the outcome shown is conditional, never the `yes` the aim alone used to found
        assert 'class="state o-conditional"' in page.text
        assert 'class="state o-yes"' not in page.text.split("technical")[0]


def test_consistent_facts_show_no_contradiction(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = make_item(engine, "https://praise.example/post/8", "terrorism.glorification")
    attribute_directly(engine, item_id, "FR")
    with TestClient(app, base_url=LOCAL) as client:
        csrf = log_in(client, "alice")
        facts = {"fact_public": "true", "fact_intent": "true"}
        client.post(
            f"/items/{item_id}/assess", data={"csrf_token": csrf, **facts}, follow_redirects=False
        )
        page = client.get(f"/items/{item_id}")
        assert "given against each other" not in visible_text(page.text, "en")
        assert 'class="state o-yes"' in page.text


def test_the_reviewer_sees_why_two_given_facts_are_asked_again(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    """The four-eyes reviewer ticks the facts they established; two of them the analyst had
    given, against each other. Without the line the reviewer would tick what was given."""
    item_id = make_item(engine, "https://praise.example/post/9", "terrorism.glorification")
    attribute_directly(engine, item_id, "FR")
    add_evidence(engine, item_id)
    facts = {"public": True, "intent": True, "knowing_and_willing": False}
    pid = make_proposal(engine, item_id, host="FR", facts=facts)
    with TestClient(app, base_url=LOCAL) as client:
        log_in(client, "sam")
        html = client.get("/review").text
    card = html[html.index(f'id="proposal-{pid}"') :]
    card = card[: card.index("</section>")]
    assert 'name="established" value="intent"' in card
    assert 'name="established" value="knowing_and_willing"' in card
    assert "given against each other" in visible_text(card, "en")
