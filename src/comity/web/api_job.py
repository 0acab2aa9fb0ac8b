"""REST API v1, the job after intake: capture, attribution, assessment, proposals,
review, dossiers, dispatch, answers, monitoring and the figures (issue 20, parity).

Every route calls the same service function as the page that does the same thing,
under the same permission; the services write the audit events, so a job done
through the API leaves the same audit trail as one done in the browser. Bodies
refuse unknown fields by name (a typo is an error, never silently ignored).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput, NotFound
from comity.web.deps import Actor, need
from comity.web.etags import if_match, set_etag
from comity.web.limits import Id
from comity.web.paging import Cursor, Limit, decode_cursor, keyset_page

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["v1: the job"])


def _may(action: str) -> Any:
    return Depends(need(action))


Read = Annotated[Actor, _may("read")]
Capture = Annotated[Actor, _may("capture")]
Attribute = Annotated[Actor, _may("attribute")]
Assess = Annotated[Actor, _may("assess")]
Propose = Annotated[Actor, _may("propose")]
Review = Annotated[Actor, _may("review")]
Dossier = Annotated[Actor, _may("dossier")]
Track = Annotated[Actor, _may("track")]
Monitor = Annotated[Actor, _may("monitor")]
Prioritise = Annotated[Actor, _may("prioritise")]
Withdraw = Annotated[Actor, _may("withdraw")]
Audit = Annotated[Actor, _may("audit")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _json(value: Any) -> Any:
    return jsonable_encoder(value)


class CaptureBody(Body):
    screenshot: bool = False


@router.post(
    "/items/{item_id}/capture",
    summary="Capture the page as evidence (WARC)",
    dependencies=[if_match("item", "item_id")],
)
async def capture(
    request: Request, item_id: Id, actor: Capture, body: CaptureBody | None = None
) -> Any:
    from comity.evidence.service import capture_configured

    rows = await run_in_threadpool(
        lambda: capture_configured(
            engine=request.app.state.engine,
            settings=request.app.state.settings,
            item_ids=[item_id],
            actor=actor.name,
            screenshot=bool(body and body.screenshot),
        )
    )
    return _json({"captures": rows})


@router.post(
    "/items/{item_id}/attribute",
    summary="Attribute where the item is hosted",
    dependencies=[if_match("item", "item_id")],
)
async def attribute(request: Request, item_id: Id, actor: Attribute) -> Any:
    from comity.hosting.service import attribute_stored

    rows = await run_in_threadpool(
        lambda: attribute_stored(
            engine=request.app.state.engine, item_ids=[item_id], actor=actor.name
        )
    )
    return _json({"attributions": [getattr(r, "to_json", lambda r=r: r)() for r in rows]})


class AssessBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"facts": {"public": True, "intent": True, "danger": True}}]
        },
    )

    conduct: str | None = Field(default=None, max_length=64)
    org: str | None = Field(default=None, max_length=128)
    facts: dict[str, bool | str] = Field(default_factory=dict, max_length=64)


@router.post(
    "/items/{item_id}/assess",
    summary="Assess the item for every attributed host",
    dependencies=[if_match("item", "item_id")],
)
async def assess(request: Request, item_id: Id, actor: Assess, body: AssessBody) -> Any:
    from comity.law.store import assess_item

    def run() -> list[dict[str, Any]]:
        with session_scope(request.app.state.engine) as session:
            stored = assess_item(
                session=session,
                item_id=item_id,
                facts=body.facts,
                actor=actor.name,
                conduct=body.conduct,
                requesting=request.app.state.settings.requesting_state,
                org=body.org,
            )
            return [
                {
                    "id": s.id,
                    "host": s.host,
                    "role": s.role,
                    "conduct": s.conduct,
                    "dual_criminality": s.result.get("dual_criminality"),
                    "channels": [c.get("code") for c in s.result.get("channels", [])],
                    # what a reviewer names as established to approve a conditional one
                    "missing_facts": s.result.get("missing_facts", []),
                }
                for s in stored
            ]

    return _json({"assessments": await run_in_threadpool(run)})


class ProposeBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "assessment": 12,
                    "channel": "provider_referral",
                    "note": "Removal of this one URL only.",
                }
            ]
        },
    )

    assessment: int = Field(ge=1, le=2**62, description="id of a stored assessment of the item")
    channel: str = Field(max_length=64)
    note: str = Field(max_length=10_000, description="the proportionality note")
    target: str = Field(default="url", max_length=16)


@router.post(
    "/items/{item_id}/proposals",
    status_code=201,
    summary="Propose a request",
    dependencies=[if_match("item", "item_id")],
)
def propose(request: Request, item_id: Id, actor: Propose, body: ProposeBody) -> Any:
    from comity.cases.service import proposal_state
    from comity.cases.stored import propose_from_assessment

    with session_scope(request.app.state.engine) as session:
        proposal = propose_from_assessment(
            session=session,
            item_id=item_id,
            assessment_id=body.assessment,
            channel=body.channel,
            note=body.note,
            target=body.target,
            actor=actor.name,
        )
        return _json(proposal_state(proposal))


class PriorityBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"level": "threat_to_life", "reason": "a date and place are named"}]
        },
    )

    level: str = Field(max_length=32, description="a priority level (comity item priority)")
    reason: str = Field(max_length=10_000, description="why: recorded in the audit chain")


@router.post(
    "/items/{item_id}/priority",
    summary="Set an item's priority, with the reason",
    dependencies=[if_match("item", "item_id")],
)
def set_priority(request: Request, item_id: Id, actor: Prioritise, body: PriorityBody) -> Any:
    from comity.cases.priority import set_priority as set_level

    with session_scope(request.app.state.engine) as session:
        item = set_level(
            session=session, item_id=item_id, level=body.level, reason=body.reason, actor=actor.name
        )
        return _item_answer(item)


class WithdrawBody(Body):
    reason: str = Field(max_length=10_000, description="why: recorded in the audit chain")


@router.post(
    "/items/{item_id}/withdrawal",
    summary="Withdraw an item (its open proposals are withdrawn too)",
    dependencies=[if_match("item", "item_id")],
)
def withdraw(request: Request, item_id: Id, actor: Withdraw, body: WithdrawBody) -> Any:
    from comity.cases.groups import withdraw_item

    with session_scope(request.app.state.engine) as session:
        item = withdraw_item(session=session, item_id=item_id, reason=body.reason, actor=actor.name)
        return _item_answer(item)


def _item_answer(item: Any) -> dict[str, Any]:
    return {"id": item.id, "priority": item.priority, "state": item.state}


@router.get("/proposals", summary="Proposals, newest first, by state and item")
def proposals(
    request: Request,
    actor: Read,
    state: str | None = None,
    item_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    from comity.cases.models import PROPOSAL_STATES, Proposal
    from comity.cases.service import proposal_state

    if state is not None and state not in PROPOSAL_STATES:
        raise BadInput(f"state: valid values are {', '.join(PROPOSAL_STATES)}", field="state")
    after = decode_cursor("proposals", cursor)
    query = select(Proposal).order_by(Proposal.id.desc()).limit(limit + 1)
    if state is not None:
        query = query.where(Proposal.state == state)
    if item_id is not None:
        query = query.where(Proposal.item_id == item_id)
    if after:
        query = query.where(Proposal.id < int(after[0]))
    with read_session(request.app.state.engine) as session:
        rows, nxt = keyset_page("proposals", session.scalars(query).all(), limit, _id)
        return _json({"proposals": [proposal_state(p) for p in rows], "next_cursor": nxt})


def _id(row: Any) -> list[int]:
    return [row.id]


@router.get("/proposals/{proposal_id}", summary="One proposal (its ETag guards a decision)")
def proposal(request: Request, response: Response, proposal_id: Id, actor: Read) -> Any:
    from comity.cases.models import Proposal
    from comity.cases.service import proposal_state

    with read_session(request.app.state.engine) as session:
        found = session.get(Proposal, proposal_id)
        if found is None:
            raise NotFound(f"proposal {proposal_id} does not exist")
        set_etag(response, session, "proposal", proposal_id)
        return _json(proposal_state(found))


class ReviewDecision(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "approve", "reason": "Dual criminality established (DE)."}]
        },
    )

    decision: Literal["approve", "reject"]
    reason: str = Field(max_length=10_000)
    override: bool = False
    override_reason: str | None = Field(default=None, max_length=10_000)
    # the missing facts the reviewer established: required to approve a conditional assessment
    established: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=64)


@router.post(
    "/proposals/{proposal_id}/decision",
    summary="Approve or reject (four eyes)",
    dependencies=[if_match("proposal", "proposal_id")],
)
def decide(request: Request, proposal_id: Id, actor: Review, body: ReviewDecision) -> Any:
    from comity.cases.service import proposal_state, review

    # an override is refused by the service itself unless the user may override (403)
    with session_scope(request.app.state.engine) as session:
        decided = review(
            session=session,
            proposal_id=proposal_id,
            approve=body.decision == "approve",
            reason=body.reason,
            actor=actor.name,
            override=body.override,
            override_reason=body.override_reason,
            established=body.established,
        )
        return _json(proposal_state(decided))


class BuildBody(Body):
    channel: str | None = Field(default=None, max_length=40)
    host: str | None = Field(default=None, max_length=2)


@router.post("/dossiers/build", summary="Build draft dossiers from approved proposals")
def build(request: Request, actor: Dossier, body: BuildBody | None = None) -> Any:
    from comity.dossiers import service

    body = body or BuildBody()
    with session_scope(request.app.state.engine) as session:
        result = service.build_drafts(
            session=session,
            actor=actor.name,
            channel=body.channel,
            host=body.host.upper() if body.host else None,
        )
        return _json(
            {
                "created": [
                    service.dossier_state(session=session, record=r) for r in result.created
                ],
                "refused": result.refused,
            }
        )


@router.get("/dossiers", summary="Dossiers, newest first, by state")
def dossiers(
    request: Request,
    actor: Read,
    state: str | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    from comity.dossiers import service
    from comity.dossiers.models import DOSSIER_STATES, DossierRecord

    if state is not None and state not in DOSSIER_STATES:
        raise BadInput(f"state: valid values are {', '.join(DOSSIER_STATES)}", field="state")
    after = decode_cursor("dossiers", cursor)
    query = select(DossierRecord).order_by(DossierRecord.id.desc()).limit(limit + 1)
    if state is not None:
        query = query.where(DossierRecord.state == state)
    if after:
        query = query.where(DossierRecord.id < int(after[0]))
    with read_session(request.app.state.engine) as session:
        rows, nxt = keyset_page("dossiers", session.scalars(query).all(), limit, _id)
        return _json(
            {
                "dossiers": [service.dossier_state(session=session, record=r) for r in rows],
                "next_cursor": nxt,
            }
        )


@router.get("/dossiers/{dossier_id}", summary="One dossier with its entries and files")
def dossier(request: Request, response: Response, dossier_id: Id, actor: Read) -> Any:
    from comity.dossiers import service

    with read_session(request.app.state.engine) as session:
        record = service.get_dossier(session=session, dossier_id=dossier_id)
        set_etag(response, session, "dossier", dossier_id)
        return _json(service.dossier_state(session=session, record=record))


class IssueBody(Body):
    non_disclosure_reason: str | None = Field(default=None, max_length=2000)
    non_disclosure_weeks: int | None = Field(default=None, ge=1, le=520)
    non_disclosure_language: str | None = Field(default=None, max_length=8)


@router.post(
    "/dossiers/{dossier_id}/issue",
    summary="Issue a draft: number, render, freeze",
    dependencies=[if_match("dossier", "dossier_id")],
)
async def issue_dossier(
    request: Request, dossier_id: Id, actor: Dossier, body: IssueBody | None = None
) -> Any:
    from comity.dossiers import service
    from comity.dossiers.issue import NonDisclosure, issue

    body = body or IssueBody()
    reason = (body.non_disclosure_reason or "").strip()
    asked = NonDisclosure(
        reason, body.non_disclosure_weeks, (body.non_disclosure_language or "") if reason else ""
    )
    engine = request.app.state.engine
    record = await run_in_threadpool(
        lambda: issue(engine=engine, dossier_id=dossier_id, actor=actor.name, non_disclosure=asked)
    )
    with read_session(engine) as session:
        fresh = service.get_dossier(session=session, dossier_id=record.id)
        return _json(service.dossier_state(session=session, record=fresh))


@router.get("/dossiers/{dossier_id}/files/{fmt}/{language}", summary="Download a rendered file")
def download(request: Request, dossier_id: Id, fmt: str, language: str, actor: Read) -> Response:
    from comity.dossiers.views import download as same_as_the_page  # sandboxed, safe name

    return same_as_the_page(request, dossier_id, fmt, language, actor)


class DispatchBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"dossier": 3, "sent_on": "2026-12-06", "ticket_number": "HOST-4411"}]
        },
    )

    dossier: int = Field(ge=1, le=2**62)
    sent_on: date | None = None
    note_number: str | None = Field(default=None, max_length=128)
    channel_reference: str | None = Field(default=None, max_length=128)
    ticket_number: str | None = Field(default=None, max_length=128)


@router.post("/dispatches", status_code=201, summary="Record the dispatch of an issued dossier")
def dispatch(request: Request, actor: Track, body: DispatchBody) -> Any:
    from comity.tracking.issued import dispatch_issued
    from comity.tracking.service import dispatch_dict

    with session_scope(request.app.state.engine) as session:
        sent = dispatch_issued(
            session=session,
            actor=actor.name,
            dossier_id=body.dossier,
            sent_on=body.sent_on or utcnow().date(),
            note_number=body.note_number,
            channel_reference=body.channel_reference,
            ticket_number=body.ticket_number,
        )
        return _json(dispatch_dict(session, sent))


@router.get("/dispatches/{ref:path}", summary="One dispatch with its requests and deadlines")
def get_dispatch(request: Request, response: Response, ref: str, actor: Read) -> Any:
    from comity.tracking.service import dispatch_dict
    from comity.tracking.service import get_dispatch as find

    with read_session(request.app.state.engine) as session:
        set_etag(response, session, "dispatch", ref[:64])
        return _json(dispatch_dict(session, find(session=session, ref=ref[:64])))


class AckBody(Body):
    on: date | None = None
    reference: str | None = Field(default=None, max_length=128)


@router.post(
    "/dispatches/{ref:path}/acknowledgement",
    summary="The host acknowledged receipt",
    dependencies=[if_match("dispatch", "ref")],
)
def acknowledge(request: Request, ref: str, actor: Track, body: AckBody | None = None) -> Any:
    from comity.tracking.service import acknowledge as ack
    from comity.tracking.service import dispatch_dict

    body = body or AckBody()
    with session_scope(request.app.state.engine) as session:
        ack(
            session=session,
            actor=actor.name,
            ref=ref[:64],
            on=body.on or utcnow().date(),
            reference=body.reference,
        )
        return _json(dispatch_dict(session, _dispatch(session, ref)))


def _dispatch(session: Any, ref: str) -> Any:
    from comity.tracking.service import get_dispatch as find

    return find(session=session, ref=ref[:64])


class AnswerBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"item_id": 42, "decision": "removed", "on": "2026-12-09"}]
        },
    )

    item_id: int = Field(ge=1, le=2**62)
    decision: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=40)
    countries: list[str] = Field(default_factory=list, max_length=250)
    on: date | None = None
    answer_ref: str | None = Field(default=None, max_length=128)
    note: str | None = Field(default=None, max_length=10_000)


@router.post(
    "/dispatches/{ref:path}/answers",
    summary="Record the host's decision on one item",
    dependencies=[if_match("dispatch", "ref")],
)
def answer(request: Request, ref: str, actor: Track, body: AnswerBody) -> Any:
    from comity.tracking.service import dispatch_dict, record_answer

    with session_scope(request.app.state.engine) as session:
        record_answer(
            session=session,
            actor=actor.name,
            ref=ref[:64],
            item_id=body.item_id,
            decision=body.decision,
            on=body.on or utcnow().date(),
            reason=body.reason,
            countries=tuple(c.strip().upper() for c in body.countries),
            answer_ref=body.answer_ref,
            note=body.note,
        )
        return _json(dispatch_dict(session, _dispatch(session, ref)))


class MonitorBody(Body):
    item_ids: list[int] = Field(default_factory=list, max_length=10_000)


@router.post("/monitor/run", summary="Check tracked items now (all tracked, or the ids given)")
async def monitor(request: Request, actor: Monitor, body: MonitorBody | None = None) -> Any:
    from comity.tracking.models import TrackedRequest
    from comity.tracking.monitor import monitor_items
    from comity.tracking.runtime import hooks_from_settings

    engine, settings = request.app.state.engine, request.app.state.settings
    wanted = sorted(set(body.item_ids)) if body else []

    def run() -> list[dict[str, Any]]:
        ids = wanted
        if not ids:
            with read_session(engine) as session:
                ids = sorted(set(session.scalars(select(TrackedRequest.item_id))))
        if not ids:
            return []
        hooks = hooks_from_settings(settings, engine=engine, actor=actor.name)
        return monitor_items(engine=engine, actor=actor.name, hooks=hooks, item_ids=ids)

    return _json({"checks": await run_in_threadpool(run)})


@router.get("/stats", summary="Outcomes per host, channel, provider and conduct")
def stats(request: Request, actor: Read) -> Any:
    from comity.tracking.stats import outcome_stats

    with read_session(request.app.state.engine) as session:
        return _json(outcome_stats(session=session))


@router.get("/dashboard", summary="The internal dashboard's figures")
def dashboard(request: Request, actor: Audit, since: date | None = None) -> Any:
    from comity.reports.service import dashboard as figures

    with read_session(request.app.state.engine) as session:
        return _json(figures(session=session, since=since))


@router.get(
    "/attention", summary="Hosts' 'removed' the monitor contradicts; reinstatements; re-uploads"
)
def attention(request: Request, actor: Read) -> Any:
    from comity.tracking.attention import attention as rows

    with read_session(request.app.state.engine) as session:
        return _json({"attention": rows(session=session)})
