"""`comity complaint ...` (complaints, notice to the content provider) and
`comity retention ...` (legal holds and the retention run)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from comity.cli.common import ByOption, JsonOption, actor, optional_day
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import get_engine, read_session, session_scope

__all__ = ["register"]

complaint_app = typer.Typer(
    help="Complaints about a request, their review and outcome; notice to the content provider.",
    no_args_is_help=True,
)
retention_app = typer.Typer(
    help="Retention: legal holds, and the run that deletes what is due.", no_args_is_help=True
)
RefOption = Annotated[
    str | None, typer.Option("--dossier", help="The dossier reference (default: the latest).")
]


def _show(row: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(row)
        return
    for key, value in row.items():
        if value not in (None, "", [], {}):
            console.print(f"{key}: {value}", markup=False)


@complaint_app.command("receive")
def receive(
    item: Annotated[int, typer.Argument(help="The item the request was about.")],
    complainant: Annotated[str, typer.Option("--complainant", help="Who complains.")],
    from_role: Annotated[
        str, typer.Option("--from-role", help="content_provider, uploader or host.")
    ],
    route: Annotated[
        str,
        typer.Option("--route", help="email, post, host_forwarded, portal, in_person or court."),
    ],
    grounds: Annotated[str, typer.Option("--grounds", help="The grounds, as stated.")],
    received: Annotated[str | None, typer.Option("--received", help="YYYY-MM-DD.")] = None,
    ref: RefOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a complaint about the request for an item."""
    from comity.complaints import service

    with handle_errors(), session_scope(get_engine()) as s:
        c = service.receive(
            session=s,
            actor=actor(by),
            item_id=item,
            complainant_role=from_role,
            complainant=complainant,
            route=route,
            received_on=optional_day(received, "--received") or date.today(),
            grounds=grounds,
            ref=ref,
        )
        _show(service.complaint_dict(s, c), as_json)


@complaint_app.command("review")
def review(
    complaint: Annotated[int, typer.Argument(help="Complaint id.")],
    by: ByOption = None,
) -> None:
    """Take a complaint for review (not by the person who approved the request)."""
    from comity.complaints import service

    with handle_errors(), session_scope(get_engine()) as s:
        c = service.start_review(session=s, actor=actor(by), complaint_id=complaint)
        console.print(f"complaint {c.id}: under review by {c.reviewer}")


@complaint_app.command("decide")
def decide(
    complaint: Annotated[int, typer.Argument(help="Complaint id.")],
    outcome: Annotated[str, typer.Option("--outcome", help="upheld or rejected.")],
    reason: Annotated[str, typer.Option("--reason", help="The reasons for the outcome.")],
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD (default: today).")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Uphold (the request is withdrawn, a notice drafted to the addressee) or reject."""
    from comity.complaints import service

    with handle_errors(), session_scope(get_engine()) as s:
        c = service.decide(
            session=s,
            actor=actor(by),
            complaint_id=complaint,
            outcome=outcome,
            reason=reason,
            on=optional_day(on, "--on"),
        )
        _show(service.complaint_dict(s, c), as_json)


@complaint_app.command("told")
def told(
    complaint: Annotated[int, typer.Argument(help="Complaint id.")],
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD (default: today).")] = None,
    by: ByOption = None,
) -> None:
    """The withdrawal notice of an upheld complaint was sent to the addressee."""
    from comity.complaints import service

    with handle_errors(), session_scope(get_engine()) as s:
        c = service.tell_addressee(
            session=s, actor=actor(by), complaint_id=complaint, on=optional_day(on, "--on")
        )
        console.print(f"complaint {c.id}: addressee told on {c.addressee_told_on}")


@complaint_app.command("list")
def list_(
    state: Annotated[str | None, typer.Option("--state", help="Only this state.")] = None,
    item: Annotated[int | None, typer.Option("--item", help="Only this item.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Complaints, oldest first, with the next step and when it is due."""
    from comity.complaints import service

    with handle_errors(), read_session(get_engine()) as s:
        rows = service.list_complaints(session=s, state=state, item_id=item)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "item", "dossier", "received", "state", "next step", "due", "overdue")
    for r in rows:
        nxt = r["next"]
        table.add_row(
            str(r["id"]),
            str(r["item_id"]),
            r["dossier"],
            r["received_on"],
            r["state"],
            nxt["step"] or "",
            nxt["due_on"] or "",
            "yes" if nxt["overdue"] else "",
        )
    console.print(table)


@complaint_app.command("show")
def show(
    complaint: Annotated[int, typer.Argument(help="Complaint id.")],
    as_json: JsonOption = False,
) -> None:
    """One complaint, with the drafted notice to the addressee when upheld."""
    from comity.complaints import service

    with handle_errors(), read_session(get_engine()) as s:
        c = service.get_complaint(session=s, complaint_id=complaint)
        _show(service.complaint_dict(s, c), as_json)


@complaint_app.command("informed")
def informed(
    item: Annotated[int, typer.Argument(help="Item id.")],
    by_whom: Annotated[str, typer.Option("--by-whom", help="host or centre.")],
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD (default: today).")] = None,
    ref: RefOption = None,
    by: ByOption = None,
) -> None:
    """The content provider was informed of the request (Art. 11 of Regulation 2021/784)."""
    from comity.complaints import notices

    with handle_errors(), session_scope(get_engine()) as s:
        notices.record_informed(
            session=s,
            actor=actor(by),
            item_id=item,
            on=optional_day(on, "--on") or date.today(),
            by=by_whom,
            ref=ref,
        )
    console.print(f"item {item}: content provider informed ({by_whom})")


@complaint_app.command("non-disclosure")
def non_disclosure(
    item: Annotated[int, typer.Argument(help="Item id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the provider is not told.")],
    until: Annotated[str, typer.Option("--until", help="YYYY-MM-DD: when it ends.")],
    ref: RefOption = None,
    by: ByOption = None,
) -> None:
    """The requesting side asked that the content provider not be informed (Art. 11(3))."""
    from comity.complaints import notices

    with handle_errors(), session_scope(get_engine()) as s:
        notices.record_non_disclosure(
            session=s,
            actor=actor(by),
            item_id=item,
            reason=reason,
            until=optional_day(until, "--until")
            or date.today(),  # today: refused as not after sending
            ref=ref,
        )
    console.print(f"item {item}: provider not to be informed until {until}")


@complaint_app.command("notices")
def notices_(as_json: JsonOption = False) -> None:
    """Requests acted on, and whether the content provider was informed."""
    from comity.complaints import notices

    with handle_errors(), read_session(get_engine()) as s:
        rows = notices.notice_status(session=s)
    if as_json:
        print_json(rows)
        return
    table = Table("item", "dossier", "status", "informed", "by", "non-disclosure until")
    for r in rows:
        table.add_row(
            str(r["item_id"]),
            r["dossier"],
            r["status"],
            r["informed_on"] or "",
            r["informed_by"] or "",
            r["non_disclosure_until"] or "",
        )
    console.print(table)


@retention_app.command("run")
def run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be deleted; change nothing.")
    ] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete (evidence, screenshots) and anonymise (reporters) what is due; keep the hashes."""
    from comity.complaints import retention

    with handle_errors():
        summary = retention.run(engine=get_engine(), actor=actor(by), dry_run=dry_run)
    _show(summary, as_json)


@retention_app.command("hold")
def hold(
    reason: Annotated[str, typer.Option("--reason", help="The order or statute.")],
    item: Annotated[int | None, typer.Option("--item", help="Hold one item's data.")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="evidence, screenshots or reporters.")
    ] = None,
    min_days: Annotated[
        int | None, typer.Option("--min-days", help="A minimum period for the kind.")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD.")] = None,
    by: ByOption = None,
) -> None:
    """Place a legal hold: on one item, or a minimum period no retention setting may undercut."""
    from comity.complaints import retention

    with handle_errors(), session_scope(get_engine()) as s:
        h = retention.place_hold(
            session=s,
            actor=actor(by),
            reason=reason,
            item_id=item,
            kind=kind,
            min_days=min_days,
            until=optional_day(until, "--until"),
        )
        console.print(f"legal hold {h.id} placed")


@retention_app.command("release")
def release(
    hold_id: Annotated[int, typer.Argument(help="Legal hold id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the hold ends.")],
    by: ByOption = None,
) -> None:
    """Release a legal hold."""
    from comity.complaints import retention

    with handle_errors(), session_scope(get_engine()) as s:
        retention.release_hold(session=s, actor=actor(by), hold_id=hold_id, reason=reason)
    console.print(f"legal hold {hold_id} released")


@retention_app.command("policy")
def policy(as_json: JsonOption = False) -> None:
    """The retention periods in force and the active legal holds."""
    from comity.complaints import retention

    with handle_errors(), read_session(get_engine()) as s:
        days = retention.periods()
        holds = [
            {
                "id": h.id,
                "item": h.item_id,
                "kind": h.kind,
                "min_days": h.min_days,
                "until": h.until.isoformat() if h.until else None,
                "reason": h.reason,
            }
            for h in retention.active_holds(session=s)
        ]
    if as_json:
        print_json({"periods": days, "holds": holds})
        return
    table = Table("kind.outcome", "days")
    for key, value in days.items():
        table.add_row(key, str(value))
    console.print(table)
    for h in holds:
        console.print(f"hold {h['id']}: {h}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(complaint_app, name="complaint")
    app.add_typer(retention_app, name="retention")
