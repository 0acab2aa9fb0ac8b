"""Evaluate one provision against the facts on a date (no I/O, no state).

Two functions over the same rules: `run_entry` decides the status and the
missing facts with no allocation beyond the answer (the engine's hot path);
`explain_entry` gives the same status with every reason, element and
constraint a lawyer reads (built only when an assessment is shown).
tests/law/test_engine.py checks on random inputs that both always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from comity.law._index import Entry
from comity.law.assessment import ConstraintApplied, ProvisionResult, Status
from comity.law.elements import leaf_result
from comity.law.model import Leaf

__all__ = ["as_requesting", "explain_entry", "requesting_names", "run_entry"]

_NONE: tuple[str, ...] = ()


def _tv(value: bool | None) -> str:
    return "unknown" if value is None else ("true" if value else "false")


def _and(
    value: bool | None, unknown: tuple[str, ...], other: bool | None, more: tuple[str, ...]
) -> tuple[bool | None, tuple[str, ...]]:
    """Three-valued AND of an element result with another that must also hold."""
    if other is False:
        return False, _NONE
    if other is None:
        return None, (*unknown, *more)
    return value, unknown


def _limits(
    entry: Entry, facts: Mapping[str, Any], leaves: list[tuple[Leaf, str]], reasons: list[str]
) -> list[ConstraintApplied]:
    """Each limit's result, its own test and the exception that lifted it, if any; adds the
    limits' and exceptions' elements to `leaves` and what they decided to `reasons`."""
    rows = []
    for limit in entry.constraints:
        constraint = limit.constraint
        cvalue, _ = limit.check(facts)
        own, _ = limit.version.check(facts)
        lifted = None
        if own is not True:
            lifted = next((e for e in limit.exceptions if e.check(facts)[0] is True), None)
        rows.append(ConstraintApplied(constraint, _tv(cvalue), _tv(own), lifted))
        leaves.extend((leaf, constraint.id) for leaf in limit.version.leaves)
        for exception in limit.exceptions:
            leaves.extend((leaf, exception.id) for leaf in exception.leaves)
        if lifted is not None:
            reasons.append(f"{constraint.citation} does not apply: {lifted.citation}")
        if cvalue is False:
            reasons.append(f"limited by {constraint.citation}")
    return rows


def as_requesting(
    facts: Mapping[str, Any], twins: tuple[tuple[str, str], ...]
) -> Mapping[str, Any]:
    """The facts as the requesting state's own provisions read them: a fact that speaks of
    the host (`group_in_host`) takes the value of its requesting-side twin
    (`group_in_requesting`), and is unknown when the twin is not given. Without this, a
    Maltese request about hatred against a group in Kazakhstan would find Malta's own
    offence (groups in Malta only) met because the group is in the host."""
    if not any(fact in facts or twin in facts for fact, twin in twins):
        return facts
    out = dict(facts)
    for fact, twin in twins:
        if twin in facts:
            out[fact] = facts[twin]
        else:
            out.pop(fact, None)
    return out


def requesting_names(
    missing: tuple[str, ...], twins: tuple[tuple[str, str], ...]
) -> tuple[str, ...] | None:
    """The requesting side's missing facts with each host-relative fact named by its twin
    (the user gives `group_in_requesting` for the requesting state's own law), or None
    when none of them is host-relative."""
    if not missing or not any(fact in missing for fact, _ in twins):
        return None
    names = dict(twins)
    return tuple(names.get(fact, fact) for fact in missing)


def run_entry(
    entry: Entry, facts: Mapping[str, Any], foreign: bool, designation: str = "designated_in_host"
) -> tuple[str, tuple[str, ...]]:
    """(status, missing facts) of one provision; `foreign`: the host is not the requesting state.

    `designation` is the fact a `requires_host_designation` provision needs: the
    designation by the state whose law it is (`designated_in_requesting` when the
    requesting state's own provisions are evaluated)."""
    version = entry.version
    if version is None:
        return "not_in_force", _NONE
    provision = entry.provision
    value, unknown = version.check(facts)
    reach = entry.reach
    if reach is not None and reach.check is not None and value is not False:
        value, unknown = _and(value, unknown, *reach.check(facts))
    if provision.requires_host_designation:
        key = version.designation_key
        scoped = designation if key is None else designation + key
        designated = facts[scoped] if scoped in facts else facts.get(designation)
        if designated is None:
            if value is not False:
                value, unknown = None, (*unknown, designation)
        elif designated is not True:
            value, unknown = False, _NONE
    for limit in entry.constraints:
        cvalue, cunknown = limit.check(facts)
        if cvalue is False:
            value, unknown = False, _NONE
        elif cvalue is None and value is not False:
            value, unknown = None, (*unknown, *cunknown)
    if entry.excluded and facts.get("purpose") in entry.excluded:
        return "excluded", _NONE
    if foreign and provision.protects == "host_state_only":
        return "no", _NONE
    if value is True:
        return "yes", _NONE
    if value is None:
        return "conditional", tuple(dict.fromkeys(unknown))
    return "no", _NONE


def explain_entry(
    entry: Entry,
    facts: Mapping[str, Any],
    *,
    on: date,
    host: str,
    requesting: str,
    designation_label: str,
    designation: str = "designated_in_host",
) -> ProvisionResult:
    """Status, element-by-element explanation and missing facts of one provision."""
    provision = entry.provision
    version = entry.version
    base: dict[str, Any] = {
        "id": provision.id,
        "jurisdiction": provision.jurisdiction,
        "citation": provision.citation,
        "title": provision.title_en or provision.title,
        "source": provision.source,
        # the applied wording's confidence (see Entry.confidence), not the provision's
        "confidence": entry.confidence,
        "note": provision.note,
    }
    if version is None:
        first = provision.versions[0].start
        return ProvisionResult(
            **base,
            status="not_in_force",
            reason=f"not in force on {on} (first in force {first})",
            leaves=(),
            facts=facts,
            constraints=(),
            missing_facts=(),
            max_penalty=None,
            in_force_from=None,
        )
    leaves: list[tuple[Leaf, str]] = [(leaf, provision.id) for leaf in version.leaves]
    value, unknown = version.check(facts)
    reasons: list[str] = []
    reach = entry.reach
    if reach is not None:
        reasons.append(
            f"general provision filed under {', '.join(sorted(provision.conducts))}: "
            + reach.reason
        )
        leaves.extend((leaf, "general") for leaf in reach.leaves)
        if reach.check is not None and value is not False:
            value, unknown = _and(value, unknown, *reach.check(facts))
    given = len(reasons)  # reasons before this index explain, they do not decide
    status: Status
    purpose = facts.get("purpose")
    excluded = entry.excluded.get(purpose) if isinstance(purpose, str) else None
    if provision.requires_host_designation:
        key = version.designation_key
        scoped = designation if key is None else designation + key
        if scoped not in facts:
            scoped = designation  # no register finding for these lists: the fact as given
        designated = facts.get(scoped)
        label = version.designation or designation_label
        if version.designation_lists is not None:
            label += (
                " [lists accepted: "
                + (", ".join(version.designation_lists) or "none recorded")
                + "]"
            )
        leaves.append((Leaf(scoped, label), "host_designation"))
        if designated is None:
            value = None if value is not False else False
            unknown = (*unknown, designation) if value is None else unknown
        elif designated is not True:
            value, unknown = False, ()
            reasons.append(f"applies only to organisations banned or designated by {host}")
    constraint_rows = _limits(entry, facts, leaves, reasons)
    for row, limit in zip(constraint_rows, entry.constraints, strict=True):
        if row.result == "false":
            value, unknown = False, ()
        elif row.result == "unknown" and value is not False:
            value, unknown = None, (*unknown, *limit.check(facts)[1])
    if excluded is not None:
        status = "excluded"
        reasons.append(f"excluded purpose: {purpose} ({excluded.source.title})")
        unknown = ()
    elif provision.protects == "host_state_only" and host != requesting:
        status = "no"
        reasons.append(
            f"protects only {host}'s own state, territory or institutions: "
            f"it cannot cover conduct aimed at {requesting}"
        )
        unknown = ()
    elif value is True:
        status = "yes"
        reasons.append("every element holds on the facts given")
    elif value is None:
        status = "conditional"
        reasons.append("would apply if these facts hold: " + ", ".join(dict.fromkeys(unknown)))
    else:
        status = "no"
        if len(reasons) == given:
            failed = [leaf.label for leaf, _ in leaves if leaf_result(leaf, facts) is False]
            reasons.append("not shown: " + "; ".join(failed) if failed else "elements not met")
    return ProvisionResult(
        **base,
        status=status,
        reason="; ".join(reasons),
        leaves=tuple(leaves),
        facts=facts,
        constraints=tuple(constraint_rows),
        missing_facts=tuple(dict.fromkeys(unknown)) if status == "conditional" else (),
        max_penalty=version.max_penalty.text if version.max_penalty else None,
        in_force_from=version.start,
        general=None if reach is None else (tuple(sorted(provision.conducts)), reach.reason),
    )
