"""Workflow pages of the cases domain: item actions, proposals and the four-eyes review queue.

Views parse the form, call `comity.cases.service` (which enforces the rules:
four eyes, safeguards, the supervisor's written override) and render; a
refusal is shown on the page with the service's own message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases import priority, service
from comity.cases.models import PROPOSAL_STATES, Proposal
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput, ComityError, NotFound
from comity.intake.service import get_item, item_summary
from comity.web.deps import Actor, need
from comity.web.i18n import translator
from comity.web.labels import labeller
from comity.web.limits import FormId, Id
from comity.web.render import NavEntry, language, page, register_nav

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Read = Annotated[Actor, Depends(need("read"))]
Propose = Annotated[Actor, Depends(need("propose"))]
Review = Annotated[Actor, Depends(need("review"))]
Override = Annotated[Actor, Depends(need("override"))]

register_nav(NavEntry("/review", "nav.review", "review"))
register_nav(NavEntry("/proposals", "nav.proposals", "read"))


def _latest_title(session: Session, item_id: int) -> str | None:
    from comity.evidence.models import Evidence

    return session.scalar(
        select(Evidence.title)
        .where(Evidence.item_id == item_id, Evidence.title.is_not(None))
        .order_by(Evidence.id.desc())
        .limit(1)
    )


def _actions(session: Session, item_id: int) -> dict[str, Any]:
    """What the item's action forms offer: facts to establish, hosts and their channels."""
    from comity.law.kb.loader import load_kb
    from comity.law.store import latest_assessments

    kb = load_kb()
    vocabulary = kb.vocabulary
    assessments = [
        {
            "id": a.id,
            "host": a.host,
            "role": a.role,
            "outcome": a.outcome,
            "channels": [c["code"] for c in a.result.get("channels", []) if c.get("code")],
            "missing": a.result.get("missing_facts", []),
            "facts": a.facts,
        }
        for a in sorted(latest_assessments(session, item_id), key=lambda a: (a.host, a.role))
    ]
    proposals = session.scalars(
        select(Proposal).where(Proposal.item_id == item_id).order_by(Proposal.id.desc())
    )
    from comity.evidence.models import Evidence

    captures = session.scalars(
        select(Evidence).where(Evidence.item_id == item_id).order_by(Evidence.id.desc()).limit(10)
    )
    return {
        "captures": [
            {
                "id": e.id,
                "captured_at": e.captured_at,
                "outcome": e.outcome,
                "status": e.status,
                "files": [k for k in ("content", "warc", "screenshot") if getattr(e, f"{k}_path")],
            }
            for e in captures
        ],
        "facts": list(vocabulary.facts.values()),
        "orgs": [(o.id, o.name) for o in kb.register.organisations.values()],
        "assessments": assessments,
        "last_facts": assessments[0]["facts"] if assessments else {},
        "proposals": [service.proposal_state(p) for p in proposals],
    }


@router.get("/items/{item_id}/actions")
def item_actions(request: Request, item_id: Id, actor: Read) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        item = item_summary(session, [get_item(session=session, item_id=item_id)])[0]
        actions = _actions(session, item_id)
    return page(request, "item_actions.html", active="nav.items", item=item, actions=actions)


@router.post("/items/{item_id}/propose")
def propose(
    request: Request,
    item_id: Id,
    actor: Propose,
    assessment: FormId,
    channel: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=10_000)] = "",
    target: Annotated[str, Form(max_length=16)] = "url",
) -> Response:
    from comity.cases.stored import propose_from_assessment

    with session_scope(request.app.state.engine) as session:
        propose_from_assessment(
            session=session,
            item_id=item_id,
            assessment_id=assessment,
            channel=channel,
            note=note,
            target=target,
            actor=actor.name,
        )
    return RedirectResponse(f"/items/{item_id}#proposals", status_code=303)


def _queue(session: Session) -> list[dict[str, Any]]:
    now = utcnow()
    rows = []
    for p, item in priority.review_queue(session=session):
        within = priority.REVIEW_WITHIN.get(item.priority, priority.REVIEW_WITHIN["standard"])
        findings = service.current_findings(session=session, proposal=p, now=now)
        rows.append(
            service.proposal_state(p)
            | {
                "priority": item.priority,
                "url": item.url,
                "title": _latest_title(session, item.id),
                "review_by": p.proposed_at + within,
                "late": p.proposed_at + within < now,
                "current_findings": [f.to_json() for f in findings],
                "provisions": _provisions(p.assessment),
            }
        )
    return rows


def _provisions(assessment: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The requesting state's provisions and the host's, for the side-by-side view."""
    out: dict[str, list[dict[str, Any]]] = {}
    for side in ("requesting", "host"):
        out[side] = [
            {"citation": p.get("citation"), "title": p.get("title"), "status": p.get("status")}
            for p in (assessment or {}).get(f"{side}_provisions", []) or []
            if isinstance(p, dict)
        ]
    return out


def _review_page(
    request: Request, *, status: int = 200, message: str | None = None, kind: str | None = None
) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        rows = _queue(session)
    return page(
        request,
        "review.html",
        status=status,
        active="nav.review",
        rows=rows,
        message=message,
        message_kind=kind,
    )


@router.get("/review")
def review_queue(request: Request, actor: Review) -> HTMLResponse:
    return _review_page(request)


def _decide(request: Request, actor: Actor, proposal_id: int, **kwargs: Any) -> HTMLResponse:
    try:
        with session_scope(request.app.state.engine) as session:
            decided = service.review(
                session=session, proposal_id=proposal_id, actor=actor.name, **kwargs
            )
            state, item_id = decided.state, decided.item_id
    except ComityError as exc:
        status = 404 if isinstance(exc, NotFound) else 400 if isinstance(exc, BadInput) else 409
        return _review_page(request, status=status, message=exc.message, kind="error")
    lang = language(request)
    done = translator(lang)(
        "review.decided", id=proposal_id, item=item_id, state=labeller(lang).label("state", state)
    )
    return _review_page(request, message=done, kind="ok")


@router.post("/review/{proposal_id}")
def decide(
    request: Request,
    proposal_id: Id,
    actor: Review,
    decision: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> HTMLResponse:
    if decision not in ("approve", "reject"):
        raise BadInput("decision: valid values are approve, reject", field="decision")
    return _decide(request, actor, proposal_id, approve=decision == "approve", reason=reason)


@router.post("/review/{proposal_id}/override")
def override(
    request: Request,
    proposal_id: Id,
    actor: Override,
    reason: Annotated[str, Form(max_length=10_000)] = "",
    override_reason: Annotated[str, Form(max_length=10_000)] = "",
) -> HTMLResponse:
    return _decide(
        request,
        actor,
        proposal_id,
        approve=True,
        reason=reason,
        override=True,
        override_reason=override_reason,
    )


@router.get("/proposals")
def proposals(request: Request, actor: Read, state: str = "") -> HTMLResponse:
    if state and state not in PROPOSAL_STATES:
        raise BadInput(f"state: valid values are {', '.join(PROPOSAL_STATES)}", field="state")
    query = select(Proposal).order_by(Proposal.id.desc()).limit(500)
    if state:
        query = query.where(Proposal.state == state)
    with read_session(request.app.state.engine) as session:
        rows = [service.proposal_state(p) for p in session.scalars(query)]
    return page(
        request,
        "proposals.html",
        active="nav.proposals",
        rows=rows,
        state=state,
        states=PROPOSAL_STATES,
    )
