"""Dossiers end to end on the database: build, issue, freeze, revise, export.

Fixtures go through the real services (report, evidence, attribution store,
propose, four-eyes review); re-attribution at issue is a fake `attribute`
callable, so a move or a disappearance is simulated by what it answers.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select, text

from comity.cases import service as cases
from comity.cases.models import Proposal
from comity.core.audit import verify_chain
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import ComityError, NotFound, Refused
from comity.core.settings import Settings
from comity.dossiers import service
from comity.dossiers.issue import issue
from comity.dossiers.models import DossierFile, DossierRecord
from comity.evidence.models import Evidence
from comity.hosting.attribution import Attribution, IpAttribution, Jurisdiction
from comity.hosting.directory import Provider
from comity.hosting.store import attribute_items
from comity.intake.models import Item
from comity.intake.service import add_report

FACTS = {"public": "true", "intent": "true"}
WHERE = {
    "DE": ("5.9.10.11", 24940, "Hetzner Online GmbH"),
    "NL": ("5.79.70.12", 60781, "LeaseWeb Netherlands B.V."),
    "FR": ("51.15.1.2", 12876, "Scaleway SAS"),
    "US": ("104.16.1.1", 13335, "Example Hosting Inc"),
}


def fake_attribution(
    url: str, country: str | None = "DE", *, asn: int | None = None
) -> Attribution:
    """Where `url` is served from; `country=None` means it no longer resolves."""
    host = urlsplit(url).hostname or ""
    if country is None:
        return Attribution(
            url=url,
            host=host,
            dns=None,
            ips=(),
            platform=None,
            cdn=None,
            jurisdictions=(),
            observed_at=utcnow(),
        )
    ip, default_asn, org = WHERE[country]
    asn = asn or default_asn
    provider = Provider(
        asn=asn,
        name=org,
        legal_entity=org,
        country=country,
        abuse_email=f"abuse@as{asn}.example",
        abuse_url=None,
        rank=None,
        sources={},
        confidence="high",
    )
    ips = (IpAttribution(ip, 4, True, None, country, asn, org, None, None, provider),)
    juris = (Jurisdiction(country, "hosting", "test", f"{host} -> {ip}", "medium"),)
    return Attribution(
        url=url,
        host=host,
        dns=None,
        ips=ips,
        platform=None,
        cdn=None,
        jurisdictions=juris,
        observed_at=utcnow(),
    )


class Pipeline:
    """Approved proposals the way the product makes them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.where: dict[str, str | None] = {}  # url -> country the fake resolver answers

    def attribute(self, urls: Sequence[str]) -> list[Attribution]:
        return [fake_attribution(u, self.where.get(u, "DE")) for u in urls]

    def approved(
        self,
        url: str,
        *,
        host: str = "DE",
        channel: str = "diplomatic_request",
        conduct: str = "terrorism.incitement",
        evidence: bool = True,
        facts: dict[str, str] | None = None,
    ) -> int:
        with session_scope(self.engine) as session:
            item, _, _ = add_report(session=session, url=url, conduct=conduct, actor="alice")
            item_id = item.id
            if evidence:
                session.add(
                    Evidence(
                        item_id=item_id,
                        captured_at=utcnow(),
                        requested_url=url,
                        outcome="ok",
                        headers=[],
                        captured_by="alice",
                        content_sha256=hashlib.sha256(url.encode()).hexdigest(),
                    )
                )
        self.where[url] = host
        attribute_items(
            engine=self.engine, item_ids=[item_id], actor="alice", attribute=self.attribute
        )
        with session_scope(self.engine) as session:
            proposal = cases.propose(
                session=session,
                item_id=item_id,
                host=host,
                channel=channel,
                note="one URL: the narrowest request",
                actor="alice",
                facts=facts or FACTS,
            )
            pid = proposal.id
            missing = cases.missing_facts(proposal)
        with session_scope(self.engine) as session:
            cases.review(
                session=session,
                proposal_id=pid,
                approve=True,
                reason="lawful",
                established=missing,
                actor="rita" if evidence else "sam",
                override=not evidence,
                override_reason=None if evidence else "test: no capture",
            )
        return pid

    def eu_draft(self) -> int:
        """One approved EU removal-order request, built into its draft."""
        self.approved("https://nl.example/1", host="NL", channel="eu_removal_order_request")
        result = self.build()
        assert result.refused == [], result.refused
        [draft] = result.created
        assert draft.kind == "eu_removal_order"
        return draft.id

    def build(self, **kwargs: Any) -> service.BuildResult:
        with session_scope(self.engine) as session:
            return service.build_drafts(session=session, actor="leo", **kwargs)

    def issue(self, dossier_id: int, **kwargs: Any) -> DossierRecord:
        return issue(
            engine=self.engine,
            dossier_id=dossier_id,
            actor="leo",
            attribute=self.attribute,
            on=date(2026, 11, 28),
            **kwargs,
        )

    def state(self, dossier_id: int) -> dict[str, Any]:
        with read_session(self.engine) as session:
            record = service.get_dossier(session=session, dossier_id=dossier_id)
            return service.dossier_state(session=session, record=record)

    def export(self, dossier_id: int, fmt: str, language: str | None = None) -> bytes:
        with read_session(self.engine) as session:
            return service.export_file(
                session=session, dossier_id=dossier_id, fmt=fmt, language=language
            )[1]


@pytest.fixture
def pipe(engine: Engine, staff: dict[str, str]) -> Pipeline:
    return Pipeline(engine)


def test_build_groups_by_addressee(pipe: Pipeline) -> None:
    pipe.approved("https://a.example/1")
    pipe.approved("https://b.example/2")
    pipe.approved("https://c.example/3", host="NL")
    pipe.approved("https://d.example/4", channel="provider_referral")
    result = pipe.build()
    assert result.refused == []
    by_key = {d.addressee_key: d for d in result.created}
    assert set(by_key) == {"DE.AA", "NL.BZ", "provider:Hetzner Online GmbH"}
    de = pipe.state(by_key["DE.AA"].id)
    assert [i["item"] for i in de["items"]] == [1, 2]
    assert de["state"] == "draft" and de["reference"] is None
    # The addressee's language from the knowledge base first, then the sender's.
    assert de["languages"] == ["de", "kk", "ru"]
    assert pipe.state(by_key["provider:Hetzner Online GmbH"].id)["kind"] == "provider_referral"
    with pytest.raises(Refused, match="no approved proposal waits"):
        pipe.build()  # nothing left: every approved proposal is in a draft


def test_build_filters_by_host_and_channel(pipe: Pipeline) -> None:
    pipe.approved("https://a.example/1")
    pipe.approved("https://c.example/3", host="NL")
    result = pipe.build(host="nl", channel="diplomatic_request")
    assert [d.addressee_key for d in result.created] == ["NL.BZ"]
    with pytest.raises(ComityError, match="--channel"):
        pipe.build(channel="carrier_pigeon")


def test_eu_coordinator_lists_every_member_state_item(pipe: Pipeline) -> None:
    pipe.approved("https://a.example/1")
    pipe.approved("https://c.example/3", host="NL")
    pipe.approved("https://e.example/5", host="US")  # not an EU member: stays out
    result = pipe.build(channel="eu_coordinator")
    (dossier,) = result.created
    assert dossier.kind == "eu_coordinator" and dossier.addressee_key == "coordinator:EU"
    issued = pipe.issue(dossier.id)
    record = __import__("json").loads(pipe.export(issued.id, "json"))
    assert [g["country"] for g in record["groups"]] == ["DE", "NL"]
    assert {i["url"] for i in record["items"]} == {"https://a.example/1", "https://c.example/3"}


def test_issue_numbers_renders_stores_and_freezes(pipe: Pipeline, engine: Engine) -> None:
    pipe.approved("https://a.example/1")
    (draft,) = pipe.build().created
    issued = pipe.issue(draft.id)
    assert issued.state == "issued" and issued.reference == "KZ-CTC/2026/000001"
    state = pipe.state(draft.id)
    formats = {(f["format"], f["language"]) for f in state["files"]}
    assert formats == {
        (f, lang) for f in ("pdf", "docx", "json", "csv") for lang in ("de", "kk", "ru")
    }
    for f in state["files"]:
        data = pipe.export(draft.id, f["format"].split(".")[0], f["language"])
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    with read_session(engine) as session:
        item = session.get_one(Item, 1)
        assert item.state == "in_dossier"
        assert verify_chain(session).ok
    with pytest.raises(Refused, match="already issued"):
        pipe.issue(draft.id)


def test_issued_dossier_is_frozen_in_the_database(pipe: Pipeline, engine: Engine) -> None:
    pipe.approved("https://a.example/1")
    (draft,) = pipe.build().created
    pipe.issue(draft.id)
    attacks = [
        "UPDATE dossiers SET reference = 'KZ-CTC/2026/999999'",
        "UPDATE dossiers SET state = 'draft'",
        "DELETE FROM dossiers",
        "UPDATE dossier_items SET status = 'removed'",
        "DELETE FROM dossier_items",
        "UPDATE dossier_files SET sha256 = 'x'",
        "DELETE FROM dossier_files",
    ]
    for statement in attacks:
        with pytest.raises(Exception, match="frozen"), engine.begin() as conn:
            conn.execute(text(statement))
    with read_session(engine) as session:
        assert session.get_one(DossierRecord, draft.id).reference == "KZ-CTC/2026/000001"


def test_moved_and_vanished_items_are_taken_out_at_issue(pipe: Pipeline, engine: Engine) -> None:
    pipe.approved("https://a.example/stays")
    moved = pipe.approved("https://b.example/moves")
    gone = pipe.approved("https://c.example/vanishes")
    (draft,) = pipe.build().created
    pipe.where["https://b.example/moves"] = "FR"
    pipe.where["https://c.example/vanishes"] = None
    pipe.issue(draft.id)
    items = {i["url"] or i["proposal"]: i for i in pipe.state(draft.id)["items"]}
    assert items["https://a.example/stays"]["status"] == "included"
    out = {i["proposal"]: i for i in pipe.state(draft.id)["items"] if i["status"] == "removed"}
    assert set(out) == {moved, gone}
    assert out[moved]["reason"].startswith("moved:") and "DE -> FR" in out[moved]["reason"]
    assert out[gone]["reason"].startswith("vanished")
    with read_session(engine) as session:
        assert session.get_one(Proposal, moved).state == "expired"  # back for a new review
        assert session.get_one(Item, 2).state == "expired"
        csv = pipe.export(draft.id, "csv").decode()
    assert "a.example/stays" in csv and "b.example" not in csv and "c.example" not in csv


def test_issue_refuses_when_every_item_is_gone(pipe: Pipeline) -> None:
    pipe.approved("https://a.example/1")
    (draft,) = pipe.build().created
    pipe.where["https://a.example/1"] = None
    with pytest.raises(Refused, match="no items left"):
        pipe.issue(draft.id)
    assert pipe.state(draft.id)["state"] == "draft"


def test_concurrent_issues_get_distinct_numbers(pipe: Pipeline) -> None:
    pipe.approved("https://a.example/1")
    pipe.approved("https://c.example/3", host="NL")
    drafts = pipe.build().created
    got: list[str] = []
    errors: list[BaseException] = []

    def run(dossier_id: int) -> None:
        try:
            got.append(pipe.issue(dossier_id).reference or "")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d.id,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(got) == ["KZ-CTC/2026/000001", "KZ-CTC/2026/000002"]


def test_revise_supersedes(pipe: Pipeline) -> None:
    pipe.approved("https://a.example/1")
    (draft,) = pipe.build().created
    first = pipe.issue(draft.id)
    with session_scope(pipe.engine) as session:
        second = service.revise(session=session, dossier_id=first.id, actor="leo")
    assert second.version == 2 and second.supersedes_id == first.id
    issued = pipe.issue(second.id)
    assert issued.reference == "KZ-CTC/2026/000002"
    assert pipe.state(first.id)["state"] == "superseded"
    assert pipe.state(first.id)["superseded_by"] == second.id
    record = __import__("json").loads(pipe.export(second.id, "json"))
    assert record["version"] == 2 and record["supersedes"] == "KZ-CTC/2026/000001"
    with session_scope(pipe.engine) as session, pytest.raises(Refused, match="superseded"):
        service.revise(session=session, dossier_id=first.id, actor="leo")


def test_export_refuses_a_tampered_file(pipe: Pipeline, settings: Settings) -> None:
    pipe.approved("https://a.example/1")
    (draft,) = pipe.build().created
    pipe.issue(draft.id)
    with read_session(pipe.engine) as session:
        stored = session.scalars(
            select(DossierFile).where(DossierFile.format == "csv", DossierFile.language == "de")
        ).one()
        path = settings.home / stored.path
    path.chmod(0o644)
    path.write_bytes(path.read_bytes().replace(b"a.example", b"b.example"))
    with pytest.raises(Refused, match="no longer matches its SHA-256"):
        pipe.export(draft.id, "csv", "de")


def test_items_without_evidence_are_refused_by_name(pipe: Pipeline) -> None:
    pid = pipe.approved("https://a.example/no-capture", evidence=False)
    result = pipe.build()
    assert result.created == []
    (refused,) = result.refused
    assert refused["proposal"] == pid and "has no evidence" in refused["reason"]
    assert "a.example/no-capture" in refused["reason"]


def test_a_provision_without_source_is_refused_by_name(pipe: Pipeline, engine: Engine) -> None:
    pid = pipe.approved("https://a.example/1")
    with session_scope(engine) as session:
        proposal = session.get_one(Proposal, pid)
        assessment = dict(proposal.assessment)
        assessment["host_provisions"] = [
            {**p, "source": {"title": "nowhere"}} for p in assessment["host_provisions"]
        ]
        proposal.assessment = assessment
    (refused,) = pipe.build().refused
    assert "DE.StGB.111" in refused["reason"] and "no source" in refused["reason"]


def test_nasty_url_goes_through_issue_intact(pipe: Pipeline) -> None:
    from pypdf import PdfReader

    nasty = (
        'https://evil.example/"quote"/back\\slash/<b>&amp;/'
        + "x" * 900
        + "/\u05e9\u05dc\u05d5\u05dd?q=')--"
    )
    pipe.approved(nasty)
    pipe.approved("https://a.example/plain")
    (draft,) = pipe.build().created
    issued = pipe.issue(draft.id)
    record = __import__("json").loads(pipe.export(issued.id, "json"))
    stored_url = record["items"][0]["url"]
    assert stored_url.startswith("https://evil.example/") and "x" * 900 in stored_url
    import io

    pdf = PdfReader(io.BytesIO(pipe.export(issued.id, "pdf", "kk")))
    flat = "".join("".join(p.extract_text().split()) for p in pdf.pages)
    for item in record["items"]:
        assert item["evidence_sha256"] in flat
        assert item["host_provision"]["citation"].replace(" ", "") in flat
    assert "https://a.example/plain" in flat
    assert "x" * 900 in flat  # the long URL is wrapped, not cut


def test_unknown_dossier_and_wrong_role(pipe: Pipeline) -> None:
    with session_scope(pipe.engine) as session, pytest.raises(NotFound):
        service.get_dossier(session=session, dossier_id=99)
    with session_scope(pipe.engine) as session, pytest.raises(Refused, match="may not dossier"):
        service.build_drafts(session=session, actor="alice")


def test_an_issued_referral_email_is_dated_with_the_moment_it_was_issued(pipe: Pipeline) -> None:
    import email
    from email import policy

    pipe.approved("https://d.example/4", channel="provider_referral")
    (draft,) = pipe.build().created
    issued = pipe.issue(draft.id)
    message = email.message_from_bytes(pipe.export(issued.id, "eml"), policy=policy.default)
    assert issued.issued_at is not None
    sent = message["Date"].datetime
    assert sent == issued.issued_at.replace(microsecond=0)
