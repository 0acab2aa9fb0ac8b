"""What `comity org list` and `comity org show` print, as plain data (JSON-ready).

`show_org` lays the designations out like `comity law compare` lays out
offences: one column per jurisdiction, one row per date on which something
changed, each cell saying whether the organisation was listed there then.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from comity.law.model import KnowledgeBase
from comity.law.orgs.model import Organisation, Register

__all__ = ["designations_in", "list_orgs", "org_summary", "show_org", "timeline"]

NOT_LISTED = "not listed"
NOT_RECORDED = "-"


def org_summary(org: Organisation, on: date) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "aliases": [a.name for a in org.aliases],
        "parent": org.parent,
        "listed_in": sorted(code for code in org.by_jurisdiction if org.in_force(code, on)),
        "ever_listed_in": sorted(org.by_jurisdiction),
    }


def list_orgs(
    *, kb: KnowledgeBase, on: date, jurisdiction: str | None = None, search: str | None = None
) -> list[dict[str, Any]]:
    """Organisations (best match first with `search`); with `jurisdiction`, those ever listed
    on one of its lists."""
    register = kb.register
    found = register.search(search) if search else tuple(register.organisations.values())
    if jurisdiction:
        found = tuple(o for o in found if jurisdiction in o.by_jurisdiction)
    return [org_summary(o, on) for o in found]


def designations_in(*, kb: KnowledgeBase, code: str) -> list[dict[str, Any]]:
    """Every designation on a list of `code` (for `comity law show CC`), by organisation."""
    return [
        {"org": o.id, "name": o.name, **d.to_json()}
        for o in kb.register.organisations.values()
        for d in o.by_jurisdiction.get(code, ())
    ]


def _cell(register: Register, org: Organisation, code: str, on: date) -> dict[str, Any]:
    designation = org.in_force(code, on)
    if designation is not None:
        return {
            "status": "listed",
            "text": f"{designation.category} ({designation.list.id})",
            "list": designation.list.id,
            "instrument": designation.instrument,
        }
    if register.checked.get(code):
        return {"status": "not_listed", "text": NOT_LISTED}
    held = org.by_jurisdiction.get(code, ())
    # An ended listing is a recorded fact (delisted, ban lifted); "-" would read as "no data".
    # It does not prove absence from the jurisdiction's other lists, so the status stays apart
    # from "not_listed".
    ended = [d for d in held if d.end is not None and d.end < on]
    if ended:
        last = max(ended, key=lambda d: d.end or d.start)
        return {
            "status": "ended",
            "text": f"ended {last.end} ({last.list.id})",
            "list": last.list.id,
            "instrument": last.instrument,
        }
    ever = any(d.start > on for d in held)
    return {"status": "not_recorded", "text": "not yet listed" if ever else NOT_RECORDED}


def timeline(register: Register, org: Organisation) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows): a row per date on which a designation began or ended."""
    columns = sorted(set(org.by_jurisdiction) | set(register.checked))
    changes: set[date] = set()
    for designation in org.designations:
        changes.add(designation.start)
        if designation.end is not None:
            changes.add(designation.end + timedelta(days=1))
    rows = [
        {
            "from": day.isoformat(),
            "cells": {code: _cell(register, org, code, day) for code in columns},
        }
        for day in sorted(changes)
    ]
    return columns, rows


def show_org(*, kb: KnowledgeBase, ident: str) -> dict[str, Any]:
    """Everything the register holds on one organisation; BadInput for an unknown id."""
    register = kb.register
    org = register.require(ident)
    columns, rows = timeline(register, org)
    return {
        "id": org.id,
        "name": org.name,
        "aliases": [{"name": a.name, "script": a.script, "lang": a.lang} for a in org.aliases],
        "parent": org.parent,
        "branches": sorted(o.id for o in register.organisations.values() if o.parent == org.id),
        "note": org.note,
        "designations": [d.to_json() for d in org.designations],
        "columns": columns,
        "timeline": rows,
        "checked_lists": sorted(c.id for lists in register.checked.values() for c in lists),
        "kb_version": kb.digest,
        "legend": f"'{NOT_LISTED}': on none of the jurisdiction's fully checked lists; "
        f"'{NOT_RECORDED}': the register does not record that jurisdiction's lists in full; "
        "'ended D (list)': the designation on that list ended on D (its last day in force)",
    }
