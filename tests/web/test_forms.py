"""Forms that behave (issue 16 item 3): POST-redirect-GET with a confirmation, errors
in the page's language that keep what was typed, actions disabled with the reason."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, select

from comity.cases.service import get_proposal, missing_facts
from comity.core.audit import AuditEvent
from comity.core.db import read_session
from comity.intake.models import Item
from comity.web.flash import FLASH_COOKIE
from tests.cases.conftest import attribute_directly, make_item
from tests.web.conftest import LOCAL, TestClient, log_in
from tests.web.test_workflow_pages import _item, _proposal, _state


@contextmanager
def user(app: FastAPI, name: str, lang: str = "en") -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, base_url=LOCAL) as client:
        client.cookies.set("comity_lang", lang)
        yield client, log_in(client, name)


def _flash(html: str) -> str | None:
    start = html.find('<p class="flash')
    return None if start < 0 else html[start : html.index("</p>", start)]


def test_a_report_redirects_to_the_item_which_confirms_it_once_in_the_pages_language(
    app: FastAPI, passwords: str
) -> None:
    with user(app, "alice", "ru") as (alice, csrf):
        posted = alice.post(
            "/intake",
            data={
                "url": "https://prg.example/a",
                "conduct": "terrorism.glorification",
                "csrf_token": csrf,
            },
            follow_redirects=False,
        )
        assert posted.status_code == 303
        target = posted.headers["location"]
        first = alice.get(target).text
        assert "Сообщение записано как материал 1." in (_flash(first) or "")
        # A refresh shows the page, not the confirmation again (and resubmits nothing).
        assert _flash(alice.get(target).text) is None


def test_a_review_decision_redirects_to_the_queue_with_the_decision_in_words(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    pid = _proposal(engine, _item(engine, "https://decide.example/x"))
    with user(app, "rita", "kk") as (rita, csrf):
        posted = rita.post(
            f"/review/{pid}",
            data={"decision": "reject", "reason": "Not established.", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert (posted.status_code, posted.headers["location"]) == (303, "/review")
        shown = _flash(rita.get("/review").text) or ""
    assert f"{pid}-ұсыныс" in shown and "rejected" not in shown
    assert _state(engine, pid) == "rejected"


def test_a_planted_confirmation_cookie_cannot_put_its_own_text_on_a_page(
    app: FastAPI, passwords: str
) -> None:
    planted = {"key": "login.wrong", "values": {}}
    with user(app, "alice") as (alice, _):
        for data in (planted, {"key": "done.reported", "values": {"item": {"x": 1}}}):
            raw = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
            alice.cookies.set(FLASH_COOKIE, raw)
            assert _flash(alice.get("/items").text) is None
        alice.cookies.set(FLASH_COOKIE, "not base64 at all")
        assert alice.get("/items").status_code == 200


def test_an_empty_url_is_named_in_the_pages_language_and_what_was_typed_stays(
    app: FastAPI, passwords: str
) -> None:
    with user(app, "alice", "kk") as (alice, csrf):
        data = {
            "url": "",
            "conduct": "terrorism.recruitment",
            "note": "менің жазбам",
            "source": "патруль",
            "csrf_token": csrf,
        }
        empty = alice.post("/intake", data=data)
        assert empty.status_code == 400
        assert '<a href="#f-url">URL: өрісті толтырыңыз.</a>' in empty.text
        assert 'id="f-url" name="url"' in empty.text and 'aria-invalid="true"' in empty.text
        assert "менің жазбам</textarea>" in empty.text and 'value="патруль"' in empty.text
        assert '<option value="terrorism.recruitment" selected>' in empty.text
        bad = alice.post("/intake", data=data | {"url": "not a url"})
        assert bad.status_code == 400
        assert "URL: бұл мәнді пайдалануға болмайды." in bad.text
        assert 'value="not a url"' in bad.text and "not an absolute URL" in bad.text


def _approve_button(html: str, pid: int) -> str:
    section = html[html.index(f'id="proposal-{pid}"') :]
    start = section.index('value="approve"')
    return section[section.rfind("<button", 0, start) : section.index(">", start)]


def test_approve_is_disabled_while_a_safeguard_blocks_it_naming_the_safeguard_and_who_can_override(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    pid = _proposal(engine, _item(engine, "https://blocked.example/x"))  # never captured
    with user(app, "rita", "ru") as (rita, _):
        html = rita.get("/review").text
        assert "disabled" in _approve_button(html, pid)
        assert f'aria-describedby="why-{pid}"' in _approve_button(html, pid)
        assert "Одобрить нельзя: Материал не зафиксирован." in html
        assert "только руководитель" in html
    with user(app, "sam") as (sam, _):
        html = sam.get("/review").text
        assert "disabled" in _approve_button(html, pid)
        assert "As a supervisor you can approve despite this" in html
        assert "Approve with override" in html
    with user(app, "alice") as (alice, _):
        own = alice.get("/review")
    assert own.status_code == 403  # an analyst does not review at all


def _events(engine: Engine, action: str) -> list[tuple[str, dict[str, Any]]]:
    """(actor, data) of each audit event of `action`."""
    with read_session(engine) as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.data).where(AuditEvent.action == action)
        )
        return [(actor, data) for actor, data in rows]


def test_priority_is_set_in_the_browser_with_a_reason_that_the_audit_chain_keeps(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = _item(engine, "https://urgent.example/p")
    with user(app, "leo", "ru") as (leo, csrf):  # a liaison officer may escalate too
        form = leo.get(f"/items/{item_id}/actions").text
        assert f'action="/items/{item_id}/priority"' in form
        assert f'action="/items/{item_id}/withdraw"' not in form  # only analysts, supervisors
        missing = leo.post(
            f"/items/{item_id}/priority",
            data={"level": "crisis", "reason": " ", "csrf_token": csrf},
        )
        assert missing.status_code == 400
        assert '<a href="#f-priority_reason">Причина изменения: заполните поле.</a>' in missing.text
        assert '<option value="crisis" selected>' in missing.text  # the choice is kept
        done = leo.post(
            f"/items/{item_id}/priority",
            data={
                "level": "threat_to_life",
                "reason": "Named person threatened.",
                "csrf_token": csrf,
            },
            follow_redirects=False,
        )
        assert done.headers["location"] == f"/items/{item_id}"
        assert "приоритет теперь «угроза жизни»" in (
            _flash(leo.get(done.headers["location"]).text) or ""
        )
    ((who, data),) = _events(engine, "item.priority")
    assert (who, data["reason"], data["to"]) == (
        "leo",
        "Named person threatened.",
        "threat_to_life",
    )


def test_withdrawal_in_the_browser_needs_a_reason_and_is_then_disabled_with_why(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = _item(engine, "https://wrong.example/w")
    with user(app, "alice", "kk") as (alice, csrf):
        refused = alice.post(f"/items/{item_id}/withdraw", data={"reason": "", "csrf_token": csrf})
        assert (
            refused.status_code == 400 and "Кері қайтару себебі: өрісті толтырыңыз." in refused.text
        )
        alice.post(
            f"/items/{item_id}/withdraw",
            data={"reason": "Reported by mistake.", "csrf_token": csrf},
        )
        after = alice.get(f"/items/{item_id}/actions").text
    assert "оны енді кері қайтаруға болмайды" in after
    button = after[after.index(f'action="/items/{item_id}/withdraw"') :]
    assert "disabled" in button[: button.index("</form>")]
    with read_session(engine) as session:
        assert session.get_one(Item, item_id).state == "withdrawn"
    withdrawn = [
        (who, d["reason"]) for who, d in _events(engine, "item.state") if d["to"] == "withdrawn"
    ]
    assert withdrawn == [("alice", "Reported by mistake.")]


def test_a_conditional_assessment_is_not_approved_on_a_stock_reason_without_the_facts_established(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    pid = _proposal(engine, _item(engine, "https://cond.example/x"))  # DE: conditional
    with read_session(engine) as session:
        missing = missing_facts(get_proposal(session=session, proposal_id=pid))
    assert "public_peace" in missing
    stock = {"reason": "Dual criminality established; URL-level target; evidence sealed."}
    with user(app, "sam", "ru") as (sam, csrf):
        html = sam.get("/review").text
        assert 'name="established" value="public_peace"' in html
        assert "Двойная криминальность условна" in html
        refused = sam.post(
            f"/review/{pid}/override",
            data=stock | {"override_reason": "Captured offline.", "csrf_token": csrf},
        )
        assert refused.status_code == 400
        assert f"Предложение {pid} не одобрено: двойная криминальность зависит" in refused.text
        assert _state(engine, pid) == "proposed"
        wrong = sam.post(
            f"/review/{pid}/override",
            data=stock
            | {"override_reason": "Captured offline.", "established": "intent", "csrf_token": csrf},
        )
        assert wrong.status_code == 400 and _state(engine, pid) == "proposed"
        sam.post(
            f"/review/{pid}/override",
            data=stock
            | {
                "override_reason": "Captured offline.",
                "established": ["public_peace", "specific_offence"],
                "csrf_token": csrf,
            },
        )
    assert _state(engine, pid) == "approved"
    ((who, data),) = _events(engine, "proposal.approve")
    assert (who, data["established"]) == ("sam", ["public_peace", "specific_offence"])


def _split_at_other_facts(html: str) -> tuple[str, str]:
    cut = html.index('<details class="other-facts">')
    return html[:cut], html[cut : html.index("</details>", cut)]


def test_the_assess_form_asks_first_for_the_facts_the_conducts_provisions_read(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    glorifying = make_item(engine, "https://glory.example/p", "terrorism.glorification")
    financing = make_item(engine, "https://funds.example/p", "terrorism.financing")
    for item_id in (glorifying, financing):
        attribute_directly(engine, item_id, "DE")
    with user(app, "alice") as (alice, _):
        shown, folded = _split_at_other_facts(alice.get(f"/items/{glorifying}/actions").text)
        assert 'name="fact_public_peace"' in shown and 'name="fact_knowledge_of_use"' in folded
        assert 'name="fact_public_peace"' not in folded
        shown, folded = _split_at_other_facts(alice.get(f"/items/{financing}/actions").text)
        assert 'name="fact_knowledge_of_use"' in shown and 'name="fact_public_peace"' in folded


def test_the_facts_form_offers_every_protected_ground_and_keeps_the_one_given(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    """law10-grounds: the four grounds added to the vocabulary (sexual orientation, gender
    identity, disability, age) are offered like the others and survive an assessment."""
    from comity.law.kb import load_kb

    grounds = list(load_kb().vocabulary.facts["protected_ground"].values)
    assert {"sexual_orientation", "gender_identity", "disability", "age"} <= set(grounds)
    item_id = make_item(engine, "https://grounds.example/p", "hatred.incitement")
    attribute_directly(engine, item_id, "DE")
    with user(app, "alice") as (alice, csrf):
        html = alice.get(f"/items/{item_id}/actions").text
        select = html[html.index('<select id="fact-protected_ground"') :]
        select = select[: select.index("</select>")]
        offered = re.findall(r'<option value="([^"]+)"', select)
        assert offered == grounds  # every value, in the vocabulary's order, none twice
        alice.post(
            f"/items/{item_id}/assess",
            data={
                "csrf_token": csrf,
                "fact_public": "true",
                "fact_intent": "true",
                "fact_public_peace": "true",
                "fact_protected_ground": "gender_identity",
            },
        )
        again = alice.get(f"/items/{item_id}/actions").text
    assert '<option value="gender_identity" selected>gender_identity</option>' in again
    assert again.count(" selected>gender_identity<") == 1


def test_each_propose_form_names_the_host_state_and_each_channels_addressee(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    item_id = make_item(engine, "https://named.example/p", "terrorism.glorification")
    attribute_directly(engine, item_id, "DE")
    with user(app, "alice", "ru") as (alice, csrf):
        alice.post(
            f"/items/{item_id}/assess",
            data={"csrf_token": csrf, "fact_public": "true", "fact_intent": "true"},
        )
        html = alice.get(f"/items/{item_id}/actions").text
    form = html[html.index('<form method="post" action="/items/' + str(item_id) + '/propose"') :]
    form = form[: form.index("</form>")]
    # The host state by its name in the page's language (CLDR), the code kept in the title.
    assert '<strong><span class="code-label" title="DE">Германия</span></strong>' in form
    # The dossier builder's choice, named in the page's language, per channel offered.
    assert "Адресат: <strong>Федеральное ведомство уголовной полиции Германии</strong>" in form
    assert (
        "Запрос о вынесении приказа об удалении (Регламент (ЕС) 2021/784)"
        " — Федеральное ведомство уголовной полиции Германии</option>"
    ) in form
    # A referral names no provider until attribution has found one, and says so.
    assert "Адресата пока нельзя назвать" in form


def test_the_propose_form_warns_where_the_addressee_was_not_read_in_an_official_text(
    app: FastAPI, engine: Engine, passwords: str
) -> None:
    """A dossier to an authority the knowledge base holds at `low` or `medium` looked like
    one to an authority read in its official text: the Dutch removal-order authority
    (ATKM) is `low`, the German BKA `medium`, both foreign ministries `high` (no warning)."""
    warning = "did not read this designation in an official text"
    for host, level in (("NL", "low"), ("DE", "medium")):
        item_id = make_item(
            engine, f"https://unsure-{host.lower()}.example/p", "terrorism.glorification"
        )
        attribute_directly(engine, item_id, host)
        with user(app, "alice") as (alice, csrf):
            alice.post(
                f"/items/{item_id}/assess",
                data={"csrf_token": csrf, "fact_public": "true", "fact_intent": "true"},
            )
            html = alice.get(f"/items/{item_id}/actions").text
        form = html[html.index(f'action="/items/{item_id}/propose"') :]
        rows = form[form.index('<dl class="fields addressees">') : form.index("</dl>")]
        lines = dict(chunk.split("</dt>", 1) for chunk in rows.split("<dt>")[1:])
        flagged = {label: dd for label, dd in lines.items() if warning in dd}
        assert len(flagged) == 1, (host, lines)
        ((label, dd),) = flagged.items()
        assert "Regulation (EU) 2021/784" in label, (host, label)
        assert "Confidence: " in dd and f">{level}<" in dd, (host, dd)
        # The foreign ministry, read in its text, is named without a warning.
        assert any("Addressed to" in dd and warning not in dd for dd in lines.values()), lines
