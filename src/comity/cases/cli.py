"""`comity case`, `comity propose`, `comity review` and `comity item` commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from comity.cases import expiry, groups, history, priority, service
from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, handle_errors, print_json
from comity.core.db import read_session, session_scope, utcnow
from comity.core.errors import BadInput

__all__ = ["register"]

case_app = typer.Typer(
    help="Cases: groups of items (operation, actor, campaign).", no_args_is_help=True
)
item_app = typer.Typer(
    help="One item: history, priority, withdrawal, the worklist.", no_args_is_help=True
)


@case_app.command("new")
def case_new(
    name: str,
    description: Annotated[str | None, typer.Option("--description")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a case."""
    with handle_errors(), session_scope() as session:
        data = groups.case_state(
            groups.new_case(session=session, name=name, description=description, actor=actor(by))
        )
    if as_json:
        print_json(data)
    else:
        console.print(f"case {data['id']} {data['name']!r} opened")


@case_app.command("add")
def case_add(
    case_id: Annotated[int, typer.Argument(metavar="CASE")],
    items: Annotated[list[int], typer.Argument(metavar="ITEM...")],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add items to a case."""
    with handle_errors(), session_scope() as session:
        added = groups.add_items(session=session, case_id=case_id, item_ids=items, actor=actor(by))
    if as_json:
        print_json({"case": case_id, "added": added})
    else:
        console.print(f"case {case_id}: {len(added)} item(s) added")


@case_app.command("show")
def case_show(
    case_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonOption = False
) -> None:
    """Show a case and its items (most urgent first)."""
    with handle_errors(), read_session() as session:
        data = groups.case_detail(session=session, case_id=case_id)
    if as_json:
        print_json(data)
        return
    console.print(f"case {data['id']} {data['name']}: {data['description'] or ''}", markup=False)
    _items_table(data["items"])


@case_app.command("list")
def case_list(as_json: JsonOption = False) -> None:
    """List cases."""
    with handle_errors(), read_session() as session:
        rows = groups.list_cases(session=session)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "items", "created by")
    for row in rows:
        table.add_row(str(row["id"]), str(row["name"]), str(row["items"]), str(row["created_by"]))
    console.print(table)


def _items_table(rows: list[dict[str, Any]]) -> None:
    table = Table("id", "priority", "state", "url")
    for row in rows:
        table.add_row(str(row["id"]), row["priority"], row["state"], row["url"])
    console.print(table)


def _facts(options: list[str]) -> dict[str, str]:
    from comity.law.service import parse_fact_options

    return parse_fact_options(options)


def propose_cmd(
    item: Annotated[int, typer.Argument(metavar="ITEM")],
    host: Annotated[str, typer.Option("--host", help="Host country, ISO 3166-1 alpha-2.")],
    channel: Annotated[str, typer.Option("--channel", help="Channel code (ASSESSMENT.md).")],
    note: Annotated[
        str | None, typer.Option("--note", help="Proportionality note (required).")
    ] = None,
    conduct: Annotated[str | None, typer.Option("--conduct")] = None,
    fact: Annotated[list[str] | None, typer.Option("--fact", help="KEY=VALUE")] = None,
    target: Annotated[str, typer.Option("--target", help="url, domain or platform")] = "url",
    role: Annotated[str, typer.Option("--role", help="The host's role for the item.")] = "hosting",
    org: Annotated[
        str | None,
        typer.Option("--org", help="The organisation the content is of (comity org list)."),
    ] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Propose a request for an item to a host state (runs the legal engine)."""
    with handle_errors(), session_scope() as session:
        proposal = service.propose(
            session=session,
            item_id=item,
            host=host,
            channel=channel,
            note=note,
            actor=actor(by),
            conduct=conduct,
            facts=_facts(fact or []),
            target=target,
            role=role,
            org=org,
        )
        data = service.proposal_state(proposal) | {"assessment": proposal.assessment}
    if as_json:
        print_json(data)
        return
    console.print(
        f"proposal {data['id']}: item {item} -> {data['host']} by {data['channel']} "
        f"(dual criminality: {data['dual_criminality']})",
        markup=False,
    )
    for finding in data["findings"]:
        console.print(f"  safeguard {finding['code']}: {finding['message']}", markup=False)


def review_cmd(
    proposal: Annotated[
        str, typer.Argument(metavar="PROPOSAL", help="A proposal id, or 'queue' or 'expire'.")
    ],
    approve: Annotated[bool, typer.Option("--approve")] = False,
    reject: Annotated[bool, typer.Option("--reject")] = False,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    override: Annotated[bool, typer.Option("--override-safeguards")] = False,
    override_reason: Annotated[str | None, typer.Option("--override-reason")] = None,
    established: Annotated[
        list[str] | None,
        typer.Option(
            "--established",
            help="A missing fact you established (repeat); required to approve a "
            "conditional assessment.",
        ),
    ] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve or reject a proposal; `review queue` lists waiting ones; `review expire`
    expires stale approvals."""
    with handle_errors():
        if proposal == "queue":
            return _queue(as_json)
        if proposal == "expire":
            return _expire(by, as_json)
        if not proposal.isdigit():
            raise BadInput(f"PROPOSAL: '{proposal}' is not a proposal id, 'queue' or 'expire'")
        if approve == reject:
            raise BadInput("give exactly one of --approve or --reject")
        with session_scope() as session:
            decided = service.review(
                session=session,
                proposal_id=int(proposal),
                approve=approve,
                reason=reason,
                actor=actor(by),
                override=override,
                override_reason=override_reason,
                established=established or (),
            )
            data = service.proposal_state(decided)
    if as_json:
        print_json(data)
    else:
        console.print(f"proposal {data['id']} {data['state']} by {data['decided_by']}")
    return None


def _queue(as_json: bool) -> None:
    with read_session() as session:
        rows = [
            service.proposal_state(p)
            | {
                "priority": i.priority,
                "url": i.url,
                "review_by": p.proposed_at
                + priority.REVIEW_WITHIN.get(i.priority, priority.REVIEW_WITHIN["standard"]),
            }
            for p, i in priority.review_queue(session=session)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("proposal", "priority", "item", "host", "channel", "by", "review by")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["priority"],
            str(r["item_id"]),
            r["host"],
            r["channel"],
            r["proposed_by"],
            r["review_by"].isoformat(timespec="minutes"),
        )
    console.print(table)


def _expire(by: str | None, as_json: bool) -> None:
    from comity.users.service import SYSTEM, require

    with session_scope() as session:
        who = actor(by)
        if who:
            who = require(session=session, actor=who, action="review").name
        expired = expiry.expire_stale(session=session, now=utcnow(), actor=who or SYSTEM)
    if as_json:
        print_json({"expired": expired})
    else:
        console.print(f"{len(expired)} approval(s) expired")


@item_app.command("show")
def item_show(
    item_id: Annotated[int, typer.Argument(metavar="ID")], as_json: JsonOption = False
) -> None:
    """Show an item with its full history."""
    with handle_errors(), read_session() as session:
        data = history.show_item(session=session, item_id=item_id)
    if as_json:
        print_json(data)
        return
    it = data["item"]
    console.print(f"item {it['id']} [{it['priority']}] {it['state']}: {it['url']}", markup=False)
    for p in data["proposals"]:
        console.print(
            f"  proposal {p['id']} {p['host']}/{p['channel']}: {p['state']}", markup=False
        )
    for e in data["history"]:
        console.print(
            f"  {e['at']:%Y-%m-%d %H:%M} {e['actor']}: {e['action']} {e['data']}", markup=False
        )


@item_app.command("priority")
def item_priority(
    item_id: Annotated[int, typer.Argument(metavar="ITEM")],
    level: Annotated[str, typer.Argument(metavar="LEVEL", help="threat_to_life, crisis, standard")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set an item's priority."""
    with handle_errors(), session_scope() as session:
        item = priority.set_priority(
            session=session, item_id=item_id, level=level, reason=reason, actor=actor(by)
        )
        data = {"id": item.id, "priority": item.priority, "state": item.state}
    if as_json:
        print_json(data)
    else:
        console.print(f"item {data['id']}: priority {data['priority']}")


@item_app.command("withdraw")
def item_withdraw(
    item_id: Annotated[int, typer.Argument(metavar="ITEM")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw an item (and its open proposals)."""
    with handle_errors(), session_scope() as session:
        item = groups.withdraw_item(
            session=session, item_id=item_id, reason=reason, actor=actor(by)
        )
        data = {"id": item.id, "state": item.state}
    if as_json:
        print_json(data)
    else:
        console.print(f"item {data['id']}: withdrawn")


@item_app.command("worklist")
def item_worklist(
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 200,
    as_json: JsonOption = False,
) -> None:
    """Open items, threat to life first, then oldest first."""
    with handle_errors(), read_session() as session:
        rows = [
            {
                "id": i.id,
                "url": i.url,
                "state": i.state,
                "priority": i.priority,
                "created_at": i.created_at,
            }
            for i in priority.ordered_worklist(session=session, limit=limit)
        ]
    if as_json:
        print_json(rows)
    else:
        _items_table(rows)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
    app.add_typer(item_app, name="item")
    app.command("propose")(propose_cmd)
    app.command("review")(review_cmd)
