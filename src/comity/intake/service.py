"""Intake: turn reports into items, one per canonical URL, without loss or duplicates."""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from comity.core import audit
from comity.core.db import session_scope, utcnow
from comity.core.errors import BadInput, NotFound
from comity.intake.conducts import check_conduct
from comity.intake.models import Item, ItemConduct, Report
from comity.intake.readers import RawRow, RowError, read_rows
from comity.urls import canonicalize
from comity.users.service import require

__all__ = [
    "MAX_REPORTED_ERRORS",
    "ImportResult",
    "Prepared",
    "add_report",
    "get_item",
    "import_file",
    "item_summary",
    "list_items",
]


class Prepared(NamedTuple):
    """A valid row: canonical URL and everything a report needs.

    A NamedTuple, made once per imported row: a frozen dataclass cost 2-3 µs
    each (its fields are set one by one through object.__setattr__).
    """

    line: int
    raw_url: str
    url: str
    url_key: str
    host: str
    registrable_domain: str | None
    conduct: str
    note: str | None
    source: str | None


# Errors kept with their line; past this many, errors are only counted, so that a
# dry run of millions of bad rows stays bounded in memory and in its answer
# (2.5 million bad rows once grew the server to 4 GB and answered 817 MB).
MAX_REPORTED_ERRORS = 1_000


@dataclass
class ImportResult:
    file: str
    format: str
    dry_run: bool
    strict: bool
    rows: int = 0
    valid: int = 0
    items_created: int = 0
    reports_created: int = 0
    reports_existing: int = 0
    errors: list[RowError] = field(default_factory=list)
    invalid: int = 0
    written: bool = False

    def add_error(self, error: RowError) -> None:
        """Count every bad row; keep the first MAX_REPORTED_ERRORS with their lines."""
        self.invalid += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    @property
    def errors_not_shown(self) -> int:
        return self.invalid - len(self.errors)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "dry_run": self.dry_run,
            "strict": self.strict,
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "items_created": self.items_created,
            "reports_created": self.reports_created,
            "reports_existing": self.reports_existing,
            "written": self.written,
            "errors": [{"file": e.file, "line": e.line, "reason": e.reason} for e in self.errors],
            "errors_not_shown": self.errors_not_shown,
        }


# Rows per INSERT statement on PostgreSQL: bounds the size of one statement's arrays.
_CHUNK = 1_000


def _fingerprint(url: str, conduct: str, note: str | None, source: str | None, by: str) -> str:
    parts = "\x1f".join((url, conduct, note or "", source or "", by))
    return hashlib.sha256(parts.encode()).hexdigest()


# C0 controls and DEL: PostgreSQL refuses NUL in text (a NUL once aborted a
# 20,000-row batch with a 500), and none belongs in a report. Free text (note,
# source) may hold a tab and line breaks (the intake form's note is a
# textarea; in a CSV file a record ends at its line, see readers._Lines); a
# URL or a conduct code may not.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(name: str, value: str | None, pattern: re.Pattern[str]) -> None:
    if value is not None and (found := pattern.search(value)):
        raise BadInput(
            f"{name}: control character U+{ord(found.group()):04X} is not allowed", field=name
        )


def prepare(
    *,
    raw_url: str,
    conduct: str | None,
    note: str | None,
    source: str | None,
    line: int = 0,
    allow: Sequence[str] = (),
) -> Prepared:
    """Validate one report; raise BadInput naming the field."""
    if not raw_url:
        raise BadInput("url: empty URL", field="url")
    if conduct is None:
        raise BadInput("conduct: missing conduct code", field="conduct")
    _no_control("url", raw_url, _CONTROL)
    _no_control("conduct", conduct, _CONTROL)
    _no_control("note", note, _CONTROL_IN_TEXT)
    _no_control("source", source, _CONTROL_IN_TEXT)
    code = check_conduct(conduct)
    canon = canonicalize(raw_url, allow=allow)
    key = hashlib.sha256(canon.url.encode()).hexdigest()
    return Prepared(
        line, raw_url, canon.url, key, canon.host, canon.registrable_domain, code, note, source
    )


def add_report(
    *,
    session: Session,
    url: str,
    conduct: str,
    note: str | None = None,
    source: str | None = None,
    actor: str | None,
    allow: Sequence[str] = (),
) -> tuple[Item, Report, bool]:
    """Report one URL. Returns (item, report, created) — created is False for a repeat."""
    user = require(session=session, actor=actor, action="intake")
    row = prepare(raw_url=url, conduct=conduct, note=note, source=source, allow=allow)
    created = _write_batch(session=session, rows=[row], actor=user.name, audit_each=True)
    item = session.scalars(select(Item).where(Item.url_key == row.url_key)).one()
    fp = _fingerprint(row.url, row.conduct, row.note, row.source, user.name)
    report = session.scalars(select(Report).where(Report.fingerprint == fp)).one()
    return item, report, created[1] > 0


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _stamp(session: Session, moment: datetime) -> Any:
    """A UTC time as the driver takes it: SQLAlchemy's SQLite text form, or as it is."""
    if _dialect(session) == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def _insert_rows(
    session: Session,
    table: Any,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    constants: dict[str, Any],
    *,
    key: Sequence[str],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT ... ON CONFLICT (key) DO NOTHING of `rows`; returns `returning` of the rows inserted.

    Only a clash on the natural `key` is skipped: a clash on anything else (an
    id sequence behind the rows restored into the table, say) raises, where a
    bare ON CONFLICT would drop the row silently and the caller would not find
    its own item.

    Only rows actually inserted come back: a row whose key exists, even one a
    concurrent importer has just written, is skipped by ON CONFLICT, so the
    caller learns exactly what this batch created without looking anything up
    first. `constants` are the columns every row shares.

    SQLite: one executemany, then the new rows are those above the largest id
    read before it; that holds because write transactions begin IMMEDIATE
    (comity.core.db), so no other writer can add rows in between, and SQLite
    gives a new row the largest id plus one. (json_each with RETURNING was
    measured slower: SQLite 3.40 re-parses the JSON for every column.)
    PostgreSQL: one INSERT ... SELECT FROM unnest(arrays) RETURNING per
    `_CHUNK` rows, i.e. one round trip instead of one per row.
    """
    if not rows:
        return []
    # Names come from our own Table, never from input (checked here).
    assert all(c in table.c for c in (*columns, *constants, *returning, *key))
    names = ", ".join((*columns, *constants))
    on_conflict = f"ON CONFLICT ({', '.join(key)}) DO NOTHING"
    connection = session.connection()
    out: list[tuple[Any, ...]] = []
    if _dialect(session) == "sqlite":
        marks = ", ".join(["?"] * (len(columns) + len(constants)))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks}) {on_conflict}"  # noqa: S608
        shared = tuple(constants.values())
        if not returning:
            connection.exec_driver_sql(sql, [row + shared for row in rows])
            return out
        top = f"SELECT coalesce(max(id), 0) FROM {table.name}"  # noqa: S608
        before = connection.exec_driver_sql(top).scalar_one()
        inserted = connection.exec_driver_sql(sql, [row + shared for row in rows]).rowcount
        new = f"SELECT {', '.join(returning)} FROM {table.name} WHERE id > ? ORDER BY id"  # noqa: S608
        out = list(connection.exec_driver_sql(new, (before,)).all())
        if len(out) != inserted:  # cannot happen under the rules above; never guess
            raise RuntimeError(f"{table.name}: {inserted} rows inserted but {len(out)} found")
        return out
    back = f" RETURNING {', '.join(returning)}" if returning else ""
    dialect = session.get_bind().dialect
    arrays = ", ".join(f"%s::{table.c[c].type.compile(dialect=dialect)}[]" for c in columns)
    values = [f"u.v{i}" for i in range(len(columns))] + ["%s"] * len(constants)
    alias = ", ".join(f"v{i}" for i in range(len(columns)))
    sql = (
        f"INSERT INTO {table.name} ({names}) SELECT {', '.join(values)} "  # noqa: S608
        f"FROM unnest({arrays}) WITH ORDINALITY AS u({alias}, n) ORDER BY u.n "
        f"{on_conflict}{back}"
    )
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        params = (*constants.values(), *(list(col) for col in zip(*chunk, strict=True)))
        result = connection.exec_driver_sql(sql, params)
        if returning:
            out.extend(result.all())
    return out


def _keys_present(session: Session, column: Any, keys: Sequence[str]) -> dict[str, int]:
    """Existing key -> id, looked up in chunks (SQLite limits bound parameters)."""
    table = column.table
    mark = "?" if _dialect(session) == "sqlite" else "%s"
    found: dict[str, int] = {}
    connection = session.connection()
    for start in range(0, len(keys), 5_000):
        chunk = tuple(keys[start : start + 5_000])
        marks = ", ".join([mark] * len(chunk))
        sql = f"SELECT {column.name}, id FROM {table.name} WHERE {column.name} IN ({marks})"  # noqa: S608
        found.update(connection.exec_driver_sql(sql, chunk).all())
    return found


def _write_batch(
    *, session: Session, rows: Sequence[Prepared], actor: str, audit_each: bool = False
) -> tuple[int, int]:
    """Write complete rows in the caller's transaction; return (items, reports) created.

    Each table takes one INSERT ... ON CONFLICT DO NOTHING RETURNING per chunk
    (`_insert_rows`): what it returns is exactly what this batch created, and
    only the ids of items that already existed are looked up afterwards.
    """
    moment = utcnow()
    now = _stamp(session, moment)
    unique: dict[str, Prepared] = {}
    for row in rows:
        unique.setdefault(row.url_key, row)
    items = Item.__table__
    created = _insert_rows(
        session,
        items,
        ("url", "url_key", "host", "registrable_domain"),
        [(r.url, r.url_key, r.host, r.registrable_domain) for r in unique.values()],
        {"state": "reported", "priority": "standard", "created_at": now, "updated_at": now},
        key=("url_key",),
        returning=("url_key", "id"),
    )
    ids: dict[str, int] = dict(created)
    if len(ids) < len(unique):
        missing = [key for key in unique if key not in ids]
        ids.update(_keys_present(session, items.c.url_key, missing))
    new_items = [(ids[key], unique[key].url) for key, _ in created]
    new_items.sort()
    if new_items:  # a bulk INSERT the ORM listener does not see: the funnel's day moves
        from comity.reports.figures import mark

        mark(session=session, family="funnel", days=[moment.date()])
    pairs = sorted({(ids[r.url_key], r.conduct) for r in rows})
    conducts = ("item_id", "conduct")
    _insert_rows(session, ItemConduct.__table__, conducts, pairs, {}, key=conducts)
    reports: dict[str, tuple[Any, ...]] = {}
    for r in rows:
        fp = _fingerprint(r.url, r.conduct, r.note, r.source, actor)
        if fp not in reports:
            reports[fp] = (ids[r.url_key], r.raw_url, r.conduct, r.note, r.source, fp)
    inserted = _insert_rows(
        session,
        Report.__table__,
        ("item_id", "raw_url", "conduct", "note", "source", "fingerprint"),
        list(reports.values()),
        {"reported_by": actor, "reported_at": now},
        key=("fingerprint",),
        returning=("fingerprint",),
    )
    new_reports = [reports[fp] for (fp,) in inserted]
    _audit_batch(session, actor, new_items, new_reports, audit_each=audit_each)
    return len(new_items), len(new_reports)


def _audit_batch(
    session: Session,
    actor: str,
    new_items: list[tuple[int, str]],
    new_reports: list[tuple[Any, ...]],
    *,
    audit_each: bool,
) -> None:
    """Audit what a batch created; `new_reports` rows are (item_id, raw_url, conduct,
    note, source, fingerprint)."""
    if audit_each:
        for item_id, url in new_items:
            audit.record(
                session=session,
                actor=actor,
                action="item.create",
                object_type="item",
                object_id=item_id,
                state={"url": url, "state": "reported"},
                data={"url": url},
            )
        for item_id, _raw, conduct, _note, source, fp in new_reports:
            audit.record(
                session=session,
                actor=actor,
                action="report.add",
                object_type="item",
                object_id=item_id,
                state=fp,
                data={"conduct": conduct, "source": source},
            )
    elif new_items or new_reports:
        # One event per committed batch: its digest covers exactly the rows written.
        audit.record(
            session=session,
            actor=actor,
            action="intake.batch",
            object_type="import",
            object_id=str(min((i for i, _ in new_items), default=0)),
            state={
                "items": [i for i, _ in new_items],
                "reports": sorted(rep[5] for rep in new_reports),
            },
            data={"items_created": len(new_items), "reports_created": len(new_reports)},
        )


def _validated(
    rows: Iterable[RawRow | RowError],
    *,
    file: str,
    conduct: str | None,
    allow: Sequence[str],
    result: ImportResult,
) -> Iterator[Prepared]:
    for row in rows:
        if isinstance(row, RowError):
            result.rows += 1
            result.add_error(row)
            continue
        result.rows += 1
        try:
            prepared = prepare(
                raw_url=row.url,
                conduct=row.conduct or conduct,
                note=row.note,
                source=row.source,
                line=row.line,
                allow=allow,
            )
        except BadInput as exc:
            result.add_error(RowError(file, row.line, exc.message))
            continue
        result.valid += 1
        yield prepared


def import_file(
    *,
    engine: Engine,
    path: Path,
    fmt: str = "csv",
    actor: str | None,
    conduct: str | None = None,
    strict: bool = False,
    dry_run: bool = False,
    allow: Sequence[str] = (),
    batch_size: int = 5_000,
    progress: Any = None,
) -> ImportResult:
    """Import a report file in committed batches of complete rows.

    Strict mode reads the file twice: first to validate every row (writing
    nothing if any is bad), then to write. Re-running an import adds nothing
    twice because items and reports are keyed by content.
    """
    if conduct is not None:
        conduct = check_conduct(conduct, where="--conduct")
    if fmt == "citizenlab" and conduct is None:
        raise BadInput(
            "--conduct: required for the citizenlab format (its categories are not conduct codes)"
        )
    with session_scope(engine) as session:
        actor = require(session=session, actor=actor, action="intake").name
    result = ImportResult(file=str(path), format=fmt, dry_run=dry_run, strict=strict)
    if strict or dry_run:
        for _ in _validated(
            read_rows(path, fmt=fmt), file=str(path), conduct=conduct, allow=allow, result=result
        ):
            pass
        if dry_run or result.errors:
            return result
        result = ImportResult(file=str(path), format=fmt, dry_run=dry_run, strict=strict)
    batch: list[Prepared] = []
    with _collect_between_batches():
        for prepared in _validated(
            read_rows(path, fmt=fmt), file=str(path), conduct=conduct, allow=allow, result=result
        ):
            batch.append(prepared)
            if len(batch) >= batch_size:
                _commit(engine, batch, actor, result, progress)
                batch = []
        if batch:
            _commit(engine, batch, actor, result, progress)
    return result


@contextmanager
def _collect_between_batches() -> Iterator[None]:
    """Run the cyclic garbage collector after each batch instead of while it fills.

    A batch keeps thousands of rows alive, so the automatic collector fired over
    and over, each time walking every live object (the host caches included):
    about a sixth of the import's CPU (perf, 100,000 rows). The rows hold no
    reference cycles and are freed by reference counting; what cycles a batch
    leaves (its session) are young and go in the collection `_commit` runs.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _commit(
    engine: Engine, batch: list[Prepared], actor: str, result: ImportResult, progress: Any
) -> None:
    with session_scope(engine) as session:
        items, reports = _write_batch(session=session, rows=batch, actor=actor)
    gc.collect(1)
    result.items_created += items
    result.reports_created += reports
    result.reports_existing += len(batch) - reports
    result.written = result.written or bool(items or reports)
    if progress is not None:
        progress(len(batch))


def item_summary(
    session: Session, items: Sequence[Item], report_counts: Mapping[int, int] | None = None
) -> list[dict[str, Any]]:
    """The listing's fields of `items`; `report_counts` when the caller already has them."""
    ids = [i.id for i in items]
    conducts: dict[int, list[str]] = {i: [] for i in ids}
    for item_id, code in session.execute(
        select(ItemConduct.item_id, ItemConduct.conduct)
        .where(ItemConduct.item_id.in_(ids))
        .order_by(ItemConduct.conduct)
    ):
        conducts[item_id].append(code)
    counts = report_counts
    if counts is None:
        counts = dict(
            session.execute(
                select(Report.item_id, func.count())
                .where(Report.item_id.in_(ids))
                .group_by(Report.item_id)
            ).all()
        )
    return [
        {
            "id": i.id,
            "url": i.url,
            "host": i.host,
            "registrable_domain": i.registrable_domain,
            "conducts": conducts[i.id],
            "state": i.state,
            "priority": i.priority,
            "org_id": i.org_id,
            "reports": counts.get(i.id, 0),
            "created_at": i.created_at,
        }
        for i in items
    ]


def list_items(
    *,
    session: Session,
    state: str | None = None,
    conduct: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(Item).order_by(Item.id)
    if state:
        query = query.where(Item.state == state)
    if conduct:
        query = query.where(
            Item.id.in_(
                select(ItemConduct.item_id).where(ItemConduct.conduct == check_conduct(conduct))
            )
        )
    items = list(session.scalars(query.limit(limit).offset(offset)))
    return item_summary(session, items)


def get_item(*, session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} does not exist")
    return item
