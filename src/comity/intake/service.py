"""Intake: turn reports into items, one per canonical URL, without loss or duplicates."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

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
    "ImportResult",
    "Prepared",
    "add_report",
    "get_item",
    "import_file",
    "item_summary",
    "list_items",
]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A valid row: canonical URL and everything a report needs."""

    line: int
    raw_url: str
    url: str
    url_key: str
    host: str
    registrable_domain: str | None
    conduct: str
    note: str | None
    source: str | None


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
    written: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "dry_run": self.dry_run,
            "strict": self.strict,
            "rows": self.rows,
            "valid": self.valid,
            "invalid": len(self.errors),
            "items_created": self.items_created,
            "reports_created": self.reports_created,
            "reports_existing": self.reports_existing,
            "written": self.written,
            "errors": [{"file": e.file, "line": e.line, "reason": e.reason} for e in self.errors],
        }


def _fingerprint(url: str, conduct: str, note: str | None, source: str | None, by: str) -> str:
    parts = "\x1f".join((url, conduct, note or "", source or "", by))
    return hashlib.sha256(parts.encode()).hexdigest()


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
        raise BadInput("url: empty URL")
    if conduct is None:
        raise BadInput("conduct: missing conduct code")
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


def _bulk_insert(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING through the driver's executemany.

    The import path writes hundreds of thousands of rows: going straight to the
    driver skips SQLAlchemy's per-row parameter processing, which cost more than
    the database itself. Callers pass datetimes already in the driver's form
    (`_stamp`).
    """
    if not rows:
        return
    table = model.__table__
    columns = list(rows[0])
    mark = "?" if _dialect(session) == "sqlite" else "%s"
    # Names come from our own Table, never from input (checked here).
    assert all(c in table.c for c in columns)
    names, marks = ", ".join(columns), ", ".join([mark] * len(columns))
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    pick = itemgetter(*columns)
    params = [pick(row) for row in rows] if len(columns) > 1 else [(pick(r),) for r in rows]
    session.connection().exec_driver_sql(sql, params)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _stamp(session: Session, moment: datetime) -> Any:
    """A UTC time as the driver takes it: SQLAlchemy's SQLite text form, or as it is."""
    if _dialect(session) == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


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

    Existing keys are read first and only new rows inserted, without RETURNING:
    plain executemany is several times faster than insert-many-values, and the
    ON CONFLICT clause still keeps a concurrent importer on PostgreSQL from failing.
    """
    now = _stamp(session, utcnow())
    unique: dict[str, Prepared] = {}
    for row in rows:
        unique.setdefault(row.url_key, row)
    items = Item.__table__
    ids = _keys_present(session, items.c.url_key, list(unique))
    fresh = [r for key, r in unique.items() if key not in ids]
    if fresh:
        _bulk_insert(
            session,
            Item,
            [
                {
                    "url": r.url,
                    "url_key": r.url_key,
                    "host": r.host,
                    "registrable_domain": r.registrable_domain,
                    "state": "reported",
                    "priority": "standard",
                    "created_at": now,
                    "updated_at": now,
                }
                for r in fresh
            ],
        )
        ids.update(_keys_present(session, items.c.url_key, [r.url_key for r in fresh]))
    pairs = sorted({(ids[r.url_key], r.conduct) for r in rows})
    _bulk_insert(session, ItemConduct, [{"item_id": i, "conduct": c} for i, c in pairs])
    reports: dict[str, dict[str, Any]] = {}
    for r in rows:
        fp = _fingerprint(r.url, r.conduct, r.note, r.source, actor)
        reports.setdefault(
            fp,
            {
                "item_id": ids[r.url_key],
                "raw_url": r.raw_url,
                "conduct": r.conduct,
                "note": r.note,
                "source": r.source,
                "reported_by": actor,
                "reported_at": now,
                "fingerprint": fp,
            },
        )
    known = _keys_present(session, Report.__table__.c.fingerprint, list(reports))
    new_reports = [v for fp, v in reports.items() if fp not in known]
    _bulk_insert(session, Report, new_reports)
    new_items = [(ids[r.url_key], r.url) for r in fresh]
    _audit_batch(session, actor, new_items, new_reports, audit_each=audit_each)
    return len(new_items), len(new_reports)


def _audit_batch(
    session: Session,
    actor: str,
    new_items: list[tuple[int, str]],
    new_reports: list[dict[str, Any]],
    *,
    audit_each: bool,
) -> None:
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
        for rep in new_reports:
            audit.record(
                session=session,
                actor=actor,
                action="report.add",
                object_type="item",
                object_id=rep["item_id"],
                state=rep["fingerprint"],
                data={"conduct": rep["conduct"], "source": rep["source"]},
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
                "items": sorted(i for i, _ in new_items),
                "reports": sorted(r["fingerprint"] for r in new_reports),
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
            result.errors.append(row)
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
            result.errors.append(RowError(file, row.line, exc.message))
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


def _commit(
    engine: Engine, batch: list[Prepared], actor: str, result: ImportResult, progress: Any
) -> None:
    with session_scope(engine) as session:
        items, reports = _write_batch(session=session, rows=batch, actor=actor)
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
