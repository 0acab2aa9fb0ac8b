"""Workflow pages of the cases domain: item actions, proposals and the four-eyes review queue.

Views parse the form, call `comity.cases.service` (which enforces the rules:
four eyes, safeguards, the supervisor's written override) and render; a
refusal is shown on the page with the service's own message.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases import priority, service
from comity.cases.models import PROPOSAL_STATES, Proposal
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput, ComityError, NotFound
from comity.intake.models import ItemConduct
from comity.intake.service import get_item, item_summary
from comity.web.deps import Actor, need
from comity.web.flash import redirect_done
from comity.web.formerrors import FieldError, field_error, required
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
Prioritise = Annotated[Actor, Depends(need("prioritise"))]
Withdraw = Annotated[Actor, Depends(need("withdraw"))]

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


def _actions(session: Session, item_id: int, *, requesting: str, lang: str) -> dict[str, Any]:
    """What the item's action forms offer: facts to establish, hosts and their channels."""
    from comity.cases.offers import addressees, needed_facts
    from comity.law.kb.loader import load_kb
    from comity.law.store import latest_assessments

    kb = load_kb()
    vocabulary = kb.vocabulary
    assessments = []
    for a in sorted(latest_assessments(session, item_id), key=lambda a: (a.host, a.role)):
        channels = [c["code"] for c in a.result.get("channels", []) if c.get("code")]
        host = kb.jurisdictions.get(a.host)
        assessments.append(
            {
                "id": a.id,
                "host": a.host,
                "host_name": host.name if host is not None else a.host,
                "role": a.role,
                "outcome": a.outcome,
                "channels": channels,
                "addressees": addressees(
                    session,
                    item_id,
                    host=a.host,
                    channels=channels,
                    assessment=a.result,
                    requesting=requesting,
                    lang=lang,
                ),
                "missing": a.result.get("missing_facts", []),
                "facts": a.facts,
            }
        )
    conducts = sorted(
        session.scalars(select(ItemConduct.conduct).where(ItemConduct.item_id == item_id))
    )
    needed = needed_facts(session, item_id, conducts, requesting)
    proposals = session.scalars(
        select(Proposal).where(Proposal.item_id == item_id).order_by(Proposal.id.desc())
    )
    from comity.evidence.models import Evidence

    captures = session.scalars(
        select(Evidence).where(Evidence.item_id == item_id).order_by(Evidence.id.desc()).limit(10)
    )
    from comity.cases.states import TERMINAL

    item = get_item(session=session, item_id=item_id)
    return {
        "priorities": priority.PRIORITIES,
        "withdrawable": item.state not in TERMINAL,
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
        # None before attribution: every fact is asked; else the rest stay folded away
        "needed": None
        if needed is None
        else needed | set(assessments[0]["facts"] if assessments else ()),
        # (id, {lang: name}): the register's name is English; its first alias in
        # Russian or Kazakh names the organisation on pages in that language.
        "orgs": [
            (o.id, {a.lang: a.name for a in reversed(o.aliases) if a.lang} | {"en": o.name})
            for o in kb.register.organisations.values()
        ],
        "assessments": assessments,
        "last_facts": assessments[0]["facts"] if assessments else {},
        "proposals": [service.proposal_state(p) for p in proposals],
    }


def _actions_page(
    request: Request,
    item_id: int,
    *,
    status: int = 200,
    errors: list[FieldError] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with read_session(request.app.state.engine) as session:
        item = item_summary(session, [get_item(session=session, item_id=item_id)])[0]
        actions = _actions(
            session,
            item_id,
            requesting=request.app.state.settings.requesting_state,
            lang=language(request),
        )
    return page(
        request,
        "item_actions.html",
        status=status,
        active="nav.items",
        item=item,
        actions=actions,
        errors=errors or [],
        invalid={e.field for e in errors or []},
        form=form or {},
    )


@router.get("/items/{item_id}/actions")
def item_actions(request: Request, item_id: Id, actor: Read) -> HTMLResponse:
    return _actions_page(request, item_id)


# The fields of the priority and withdrawal forms, by the string that labels them.
_ITEM_LABELS = {
    "level": "item.priority",
    "priority_reason": "actions.priority_reason",
    "withdraw_reason": "actions.withdraw_reason",
}


@router.post("/items/{item_id}/priority")
def set_priority(
    request: Request,
    item_id: Id,
    actor: Prioritise,
    level: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    form = {"level": level, "priority_reason": reason}
    if not reason.strip():
        error = required(language(request), "priority_reason", _ITEM_LABELS)
        return _actions_page(request, item_id, status=400, errors=[error], form=form)
    try:
        with session_scope(request.app.state.engine) as session:
            priority.set_priority(
                session=session, item_id=item_id, level=level, reason=reason, actor=actor.name
            )
    except BadInput as exc:
        exc.field = exc.field or "level"
        error = field_error(language(request), exc, _ITEM_LABELS)
        return _actions_page(request, item_id, status=400, errors=[error], form=form)
    return redirect_done(
        request, f"/items/{item_id}", "done.priority", item=item_id, priority=["priority", level]
    )


@router.post("/items/{item_id}/withdraw")
def withdraw(
    request: Request,
    item_id: Id,
    actor: Withdraw,
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    from comity.cases.groups import withdraw_item

    if not reason.strip():
        error = required(language(request), "withdraw_reason", _ITEM_LABELS)
        form = {"withdraw_reason": reason}
        return _actions_page(request, item_id, status=400, errors=[error], form=form)
    with session_scope(request.app.state.engine) as session:
        withdraw_item(session=session, item_id=item_id, reason=reason, actor=actor.name)
    return redirect_done(request, f"/items/{item_id}", "done.withdrawn", item=item_id)


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
        made = propose_from_assessment(
            session=session,
            item_id=item_id,
            assessment_id=assessment,
            channel=channel,
            note=note,
            target=target,
            actor=actor.name,
        )
        host = made.host
    return redirect_done(
        request,
        f"/items/{item_id}#proposals",
        "done.proposed",
        item=item_id,
        channel=["channel", channel],
        host=host,
    )


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
                "missing": service.missing_facts(p),
                # facts the analyst gave against each other (the aim, yet an unwitting
                # share): among the missing, and the reviewer must see why
                "set_aside": [str(f) for f in (p.assessment or {}).get("set_aside") or []],
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


def _decide(request: Request, actor: Actor, proposal_id: int, **kwargs: Any) -> Response:
    try:
        with session_scope(request.app.state.engine) as session:
            decided = service.review(
                session=session, proposal_id=proposal_id, actor=actor.name, **kwargs
            )
            state, item_id = decided.state, decided.item_id
    except ComityError as exc:
        status = 404 if isinstance(exc, NotFound) else 400 if isinstance(exc, BadInput) else 409
        message = exc.message
        if exc.field == "established":
            message = _established_needed(request, proposal_id) or message
        return _review_page(request, status=status, message=message, kind="error")
    return redirect_done(
        request, "/review", "done.decided", id=proposal_id, item=item_id, state=["state", state]
    )


def _established_needed(request: Request, proposal_id: int) -> str | None:
    """Why a conditional assessment was not approved, in the page's language."""
    lang = language(request)
    with read_session(request.app.state.engine) as session:
        missing = service.missing_facts(
            service.get_proposal(session=session, proposal_id=proposal_id)
        )
    if not missing:
        return None
    words = labeller(lang)
    facts = ", ".join(words.label("fact", f) for f in missing)
    return translator(lang)("review.established_needed", id=proposal_id, facts=facts)


@router.post("/review/{proposal_id}")
def decide(
    request: Request,
    proposal_id: Id,
    actor: Review,
    decision: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=10_000)] = "",
    established: Annotated[list[str] | None, Form(max_length=64)] = None,
) -> Response:
    if decision not in ("approve", "reject"):
        raise BadInput("decision: valid values are approve, reject", field="decision")
    return _decide(
        request,
        actor,
        proposal_id,
        approve=decision == "approve",
        reason=reason,
        established=established or (),
    )


@router.post("/review/{proposal_id}/override")
def override(
    request: Request,
    proposal_id: Id,
    actor: Override,
    reason: Annotated[str, Form(max_length=10_000)] = "",
    override_reason: Annotated[str, Form(max_length=10_000)] = "",
    established: Annotated[list[str] | None, Form(max_length=64)] = None,
) -> Response:
    return _decide(
        request,
        actor,
        proposal_id,
        approve=True,
        reason=reason,
        override=True,
        override_reason=override_reason,
        established=established or (),
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
