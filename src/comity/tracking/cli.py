"""`comity monitor`, `comity track dispatch|ack|answer|show|overdue`, `comity stats`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.table import Table

from comity.cli.common import ByOption, JsonOption, actor
from comity.cli.output import console, err_console, handle_errors, print_json
from comity.core.db import get_engine, read_session, session_scope
from comity.core.errors import BadInput
from comity.core.settings import get_settings
from comity.tracking import service, stats
from comity.tracking.monitor import monitor_items
from comity.tracking.runtime import hooks_from_settings

__all__ = ["register"]

track_app = typer.Typer(
    help="Dispatched requests: answers, deadlines, reminders, contradictions.", no_args_is_help=True
)
DayOption = Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD (default: today).")]


def _day(value: str | None, field: str = "--on") -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{field}: '{value}' is not a date; write YYYY-MM-DD") from None


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--sent-at: '{value}' is not a date and time (ISO 8601)") from None


def monitor(
    items: Annotated[list[int] | None, typer.Argument(help="Item ids.", show_default=False)] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every active item.")] = False,
    due: Annotated[bool, typer.Option("--due", help="Items due for a check.")] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check whether items are still online: up, changed, removed, legal_block, challenge,
    unreachable or moved."""
    with handle_errors():
        who = actor(by)
        if not who:
            raise BadInput("who is acting? give --by USER or set COMITY_USER")
        engine = get_engine()
        hooks = hooks_from_settings(get_settings(), engine=engine, actor=who)
        results = monitor_items(
            engine=engine,
            actor=who,
            hooks=hooks,
            item_ids=items or [],
            everything=everything,
            due=due,
        )
    for note in hooks.notes:
        err_console.print(f"note: {note}", markup=False)
    if as_json:
        print_json(results)
        return
    table = Table("item", "verdict", "HTTP", "detail")
    for r in results:
        table.add_row(
            str(r["item_id"]), str(r["verdict"]), str(r["status"] or ""), str(r["detail"])
        )
    console.print(table)


@track_app.command("dispatch")
def dispatch(
    ref: Annotated[str, typer.Option("--ref", help="The issued dossier's reference.")],
    item: Annotated[list[int], typer.Option("--item", help="An item the dossier carries.")],
    channel: Annotated[str, typer.Option("--channel", help=", ".join(service.CHANNELS))],
    host: Annotated[str, typer.Option("--host", help="Host state, ISO 3166-1 alpha-2.")],
    addressee: Annotated[str, typer.Option("--addressee", help="Who it was sent to.")],
    sent_on: DayOption = None,
    provider: Annotated[str | None, typer.Option("--provider")] = None,
    channel_ref: Annotated[str | None, typer.Option("--channel-ref")] = None,
    note_number: Annotated[str | None, typer.Option("--note-number", help="MFA note no.")] = None,
    ticket: Annotated[
        str | None,
        typer.Option(
            "--ticket", help="The ticket number the platform's portal gave (portal referral)."
        ),
    ] = None,
    sent_at: Annotated[
        str | None,
        typer.Option(
            "--sent-at",
            help="When it was sent, with a time zone (2026-12-05T14:30+05:00); "
            "default: now if --on is today.",
        ),
    ] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that an issued dossier was sent; deadlines count from the moment of dispatch."""
    with handle_errors(), session_scope() as session:
        row = service.record_dispatch(
            session=session,
            actor=actor(by),
            ref=ref,
            item_ids=item,
            channel=channel,
            host=host.upper(),
            addressee=addressee,
            sent_on=None if sent_on is None else _day(sent_on),
            sent_at=_moment(sent_at),
            provider=provider,
            channel_reference=channel_ref,
            note_number=note_number,
            ticket_number=ticket,
        )
        shown = service.dispatch_dict(session, row)
    _show(shown, as_json)


@track_app.command("ack")
def ack(
    ref: Annotated[str, typer.Argument(help="Dossier reference.")],
    on: DayOption = None,
    reference: Annotated[str | None, typer.Option("--reference")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record the addressee's acknowledgement of receipt."""
    with handle_errors(), session_scope() as session:
        row = service.acknowledge(
            session=session, actor=actor(by), ref=ref, on=_day(on), reference=reference
        )
        shown = service.dispatch_dict(session, row)
    _show(shown, as_json)


@track_app.command("answer")
def answer(
    ref: Annotated[str, typer.Argument(help="Dossier reference.")],
    item: Annotated[int, typer.Option("--item")],
    decision: Annotated[str, typer.Option("--decision", help=", ".join(service.DECISIONS))],
    reason: Annotated[str | None, typer.Option("--reason", help=", ".join(service.REASONS))] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="geo_blocked: where")
    ] = None,
    on: DayOption = None,
    answer_ref: Annotated[str | None, typer.Option("--answer-ref")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record the host's decision on one item of a dossier."""
    with handle_errors(), session_scope() as session:
        service.record_answer(
            session=session,
            actor=actor(by),
            ref=ref,
            item_id=item,
            decision=decision,
            on=_day(on),
            reason=reason,
            countries=[c.upper() for c in country or []],
            answer_ref=answer_ref,
            note=note,
        )
        shown = service.dispatch_dict(session, service.get_dispatch(session=session, ref=ref))
    _show(shown, as_json)


@track_app.command("reinstated")
def reinstated(
    ref: Annotated[str, typer.Argument(help="Dossier reference.")],
    item: Annotated[int, typer.Option("--item")],
    on: DayOption = None,
    answer_ref: Annotated[str | None, typer.Option("--answer-ref")] = None,
    by: ByOption = None,
) -> None:
    """Record the host's notice that it put removed content back (a reinstatement)."""
    from comity.tracking.reinstatement import record_reinstatement

    with handle_errors(), session_scope() as session:
        record_reinstatement(
            session=session,
            actor=actor(by),
            ref=ref,
            item_id=item,
            on=_day(on),
            answer_ref=answer_ref,
        )
    console.print(f"item {item}: the host's reinstatement notice is recorded ({ref})")


@track_app.command("show")
def show(ref: Annotated[str, typer.Argument()], as_json: JsonOption = False) -> None:
    """A dispatched dossier, its items' deadlines and decisions."""
    with handle_errors(), read_session(get_engine()) as session:
        shown = service.dispatch_dict(session, service.get_dispatch(session=session, ref=ref))
    _show(shown, as_json)


@track_app.command("overdue")
def overdue(as_json: JsonOption = False) -> None:
    """Requests past their deadline without a decision, with a drafted reminder each."""
    with handle_errors(), read_session(get_engine()) as session:
        rows = service.overdue(session=session)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(
            f"{row['dossier']} item {row['item_id']}: {row['days_overdue']} days overdue "
            f"({row['channel']}, {row['host']})",
            markup=False,
        )


@track_app.command("attention")
def attention_command(as_json: JsonOption = False) -> None:
    """Hosts' "removed" the monitor contradicts, and removed content back online
    (at its URL or, re-uploaded, at another), each with a drafted follow-up."""
    from comity.tracking.attention import attention

    with handle_errors(), read_session(get_engine()) as session:
        rows = attention(session=session)
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("Nothing contradicts the record.", markup=False)
    for row in rows:
        what = {
            "disputed": "still online despite the answer 'removed'",
            "reinstated": "back online after its removal (reinstated)",
            "reappeared": f"removed, but the same content is online at {row['copy_url']}",
        }[row["kind"]]
        console.print(
            f"{row['dossier']} item {row['item_id']} ({row['host']}): {what}",
            markup=False,
            highlight=False,
        )
        console.print(row["followup"] + "\n", markup=False, highlight=False)


stats_app = typer.Typer(help="Outcomes per host, channel, provider and conduct.")


@stats_app.callback(invoke_without_command=True)
def stats_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Outcomes per host, channel, provider and conduct (`stats rebuild`: the stored figures)."""
    if ctx.invoked_subcommand is not None:
        return
    with handle_errors(), read_session(get_engine()) as session:
        figures = stats.outcome_stats(session=session)
    if as_json:
        print_json(figures)
        return
    for dimension, groups in figures.items():
        table = Table(dimension, "sent", "removed", "refused", "median d", "p90 d", "online")
        for value, f in groups.items():
            table.add_row(
                value,
                str(f["sent"]),
                str(f["removed"]),
                str(sum(f["refused"].values())),
                str(f["median_days_to_removal"]),
                str(f["p90_days_to_removal"]),
                str(f["share_still_online"]),
            )
        console.print(table)


def _show(shown: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(shown)
        return
    console.print(
        f"{shown['dossier']}: {shown['channel']} to {shown['addressee']} "
        f"({shown['host']}), sent {shown['sent_on']}",
        markup=False,
    )
    for entry in shown["items"]:  # type: ignore[attr-defined]
        console.print(
            f"  item {entry['item_id']}: due {entry['due_at']} ({entry['time_zone']}; "
            f"{entry['due_basis']}), decision {entry['decision'] or '-'}",
            markup=False,
        )
        for limit in entry["time_limits"]:
            console.print(
                f"    {limit['hours']:g} h: {limit['meaning']} ({limit['text']})", markup=False
            )
    for warning in shown.get("warnings", []):  # type: ignore[attr-defined]
        console.print(f"  warning: {warning}", markup=False)


@stats_app.command("rebuild")
def stats_rebuild(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing: recompute and exit 1 naming the first stored figure that differs.",
        ),
    ] = False,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the stored per-day figures from the source tables (audited), or --check them."""
    from comity.reports.figures import rebuild

    with handle_errors():
        if check:
            with read_session(get_engine()) as session:
                result = rebuild(session=session, actor=actor(by), check=True)
        else:
            with session_scope() as session:
                result = rebuild(session=session, actor=actor(by))
    difference = result["difference"]
    if as_json:
        print_json({**result, "difference": str(difference) if difference else None})
    else:
        for family, size in result["families"].items():
            console.print(f"{family}: {size['figures']} figures over {size['days']} days")
        if check:
            console.print(
                f"differs: {difference}" if difference else "stored figures agree", markup=False
            )
        else:
            console.print(f"stored {result['rows']} figures (audited: figures.rebuild)")
    if difference is not None:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    from comity.jobs.cli import register as register_jobs

    app.command("monitor")(monitor)
    app.add_typer(track_app, name="track")
    app.add_typer(stats_app, name="stats")
    register_jobs(app)
