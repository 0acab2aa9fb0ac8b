"""Semantic checks on schema-valid knowledge-base files.

JSON Schema catches shapes (unknown keys, missing sources, wrong types); these
checks catch what a schema cannot: references to the vocabulary, dates that are
not calendar dates, overlapping version periods, duplicate ids, element
expressions, and confidence without a note. Each error names file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from comity.law.countries import EU, is_iso_code
from comity.law.kb._textchecks import (
    check_absences,
    check_labels,
    check_quotes,
    check_treaty_quotes,
)
from comity.law.kb.yamlio import KBError, MarkedDict, MarkedList

__all__ = [
    "CheckContext",
    "check_constraints",
    "check_jurisdiction",
    "check_provisions",
    "check_treaty",
    "check_treaty_refs",
    "parse_date",
]


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@dataclass
class CheckContext:
    """What one file is checked against; `ids` is shared across the whole run."""

    vocab: dict[str, Any]
    display: str
    folder: str
    ids: dict[str, str] = field(default_factory=dict)  # id -> "file:line" of first use
    errors: list[KBError] = field(default_factory=list)
    scope_refs: list[tuple[str, int, str]] = field(default_factory=list)  # file, line, id
    applies_refs: list[tuple[str, int, str]] = field(default_factory=list)  # constraints'
    treaty_refs: list[tuple[str, int, str, str]] = field(default_factory=list)  # +state

    def err(self, line: int, kind: str, message: str) -> None:
        self.errors.append(KBError(self.display, line, kind, message))


def _kline(node: MarkedDict, key: str) -> int:
    return node.key_lines.get(key, node.line)


def _valid(ctx: CheckContext, section: str) -> str:
    return ", ".join(sorted(ctx.vocab[section]))


def _check_code(ctx: CheckContext, node: MarkedDict, key: str) -> None:
    code = node[key]
    if code != ctx.folder:
        ctx.err(
            _kline(node, key),
            "jurisdiction_mismatch",
            f"{key} '{code}' does not match its folder '{ctx.folder}'",
        )
    if code != EU and not is_iso_code(code):
        ctx.err(
            _kline(node, key),
            "unknown_jurisdiction",
            f"'{code}' is not ISO 3166-1 alpha-2 (nor EU); write GB, never UK",
        )


def _check_id(ctx: CheckContext, node: MarkedDict, *, prefix: bool = True) -> None:
    ident = node["id"]
    line = _kline(node, "id")
    if prefix and not ident.startswith(ctx.folder + "."):
        ctx.err(line, "bad_id", f"id '{ident}' must start with '{ctx.folder}.'")
    if ident in ctx.ids:
        ctx.err(line, "duplicate_id", f"id '{ident}' is already used at {ctx.ids[ident]}")
    else:
        ctx.ids[ident] = f"{ctx.display}:{line}"


def _check_confidence(ctx: CheckContext, node: MarkedDict, what: str) -> None:
    level = node.get("confidence", "high")
    if level in ("low", "medium") and not str(node.get("note", "")).strip():
        ctx.err(
            _kline(node, "confidence"),
            "missing_note",
            f"{what}: confidence '{level}' needs a `note` saying what is unverified",
        )


_RANK = {"low": 0, "medium": 1, "high": 2}


def _check_version_confidence(
    ctx: CheckContext, provision: MarkedDict, version: MarkedDict
) -> None:
    """A version's own confidence below high says in its `note` what was not read; one above
    its provision's says what was read and from which day (the build or consolidation whose
    date is the version's safe `from`): a raised wording must be traceable."""
    what = f"provision {provision['id']} version from {version['from']}"
    _check_confidence(ctx, version, what)
    level = version["confidence"]
    if _RANK[level] > _RANK[provision["confidence"]] and not str(version.get("note", "")).strip():
        ctx.err(
            _kline(version, "confidence"),
            "missing_note",
            f"{what}: confidence '{level}' above the provision's '{provision['confidence']}' "
            "needs a `note` naming the text read and the day its `from` rests on",
        )


def _check_purposes(ctx: CheckContext, items: MarkedList) -> None:
    for exclusion in items:
        if exclusion["purpose"] not in ctx.vocab["excluded_purposes"]:
            ctx.err(
                _kline(exclusion, "purpose"),
                "unknown_purpose",
                f"unknown excluded purpose '{exclusion['purpose']}'; valid: "
                + ", ".join(ctx.vocab["excluded_purposes"]),
            )


def _check_conducts(ctx: CheckContext, node: MarkedDict) -> None:
    for index, code in enumerate(node.get("conducts", [])):
        if code not in ctx.vocab["conducts"]:
            ctx.err(
                node["conducts"].item_lines[index],
                "unknown_conduct",
                f"unknown conduct code '{code}'; valid: {_valid(ctx, 'conducts')}",
            )


def _dates(ctx: CheckContext, node: MarkedDict) -> tuple[date | None, date | None, bool]:
    """(from, to, ok) of a dated node; reports bad and inverted dates."""
    out: list[date | None] = []
    ok = True
    for key in ("from", "to"):
        if key not in node:
            out.append(None)
            continue
        parsed = parse_date(node[key])
        if parsed is None:
            ctx.err(_kline(node, key), "bad_date", f"`{key}: {node[key]}` is not a calendar date")
            ok = False
        out.append(parsed)
    start, end = out
    if start and end and end < start:
        ctx.err(_kline(node, "to"), "bad_date", f"`to: {end}` is before `from: {start}`")
        ok = False
    return start, end, ok


def _check_periods(ctx: CheckContext, items: list[MarkedDict], what: str) -> None:
    spans: list[tuple[date, date, int]] = []
    for item in items:
        start, end, ok = _dates(ctx, item)
        if ok and start is not None:
            spans.append((start, end or date.max, item.line))
    spans.sort()
    for (s1, e1, l1), (s2, _e2, l2) in pairwise(spans):
        if s2 <= e1:
            ctx.err(
                l2,
                "overlapping_periods",
                f"{what}: period from {s2} overlaps the one at line {l1} ({s1} to "
                f"{'open end' if e1 == date.max else e1})",
            )


_EXPR_KEYS = (
    {"all"},
    {"any"},
    {"not"},
    {"fact", "label"},
    {"fact", "label", "in"},
    {"fact", "label", "quote"},
    {"fact", "label", "in", "quote"},
)


def check_expression(ctx: CheckContext, expr: Any, line: int) -> None:
    """Structure, facts and fact values of an element expression."""
    if not isinstance(expr, MarkedDict) or set(expr) not in _EXPR_KEYS:
        keys = sorted(expr) if isinstance(expr, dict) else type(expr).__name__
        ctx.err(
            getattr(expr, "line", line),
            "bad_expression",
            f"element must be one of {{all: [...]}}, {{any: [...]}}, {{not: ...}}, "
            f"{{fact, label}} or {{fact, in, label}}; got {keys}",
        )
        return
    if "all" in expr or "any" in expr:
        children = expr.get("all", expr.get("any"))
        if not isinstance(children, MarkedList) or not children:
            ctx.err(expr.line, "bad_expression", "`all` / `any` need a non-empty list")
            return
        for child, child_line in zip(children, children.item_lines, strict=True):
            check_expression(ctx, child, child_line)
        return
    if "not" in expr:
        check_expression(ctx, expr["not"], _kline(expr, "not"))
        return
    _check_leaf(ctx, expr)


def _check_leaf(ctx: CheckContext, leaf: MarkedDict) -> None:
    fact, line = leaf["fact"], _kline(leaf, "fact")
    spec = ctx.vocab["facts"].get(fact)
    if not isinstance(leaf["label"], str) or not leaf["label"].strip():
        ctx.err(_kline(leaf, "label"), "bad_expression", "an element needs a plain-English `label`")
    if spec is None:
        ctx.err(line, "unknown_fact", f"unknown fact '{fact}'; valid: {_valid(ctx, 'facts')}")
        return
    if spec["type"] == "bool" and "in" in leaf:
        ctx.err(_kline(leaf, "in"), "bad_expression", f"fact '{fact}' is boolean: drop `in`")
    if spec["type"] == "string":
        if "in" not in leaf or not isinstance(leaf["in"], list) or not leaf["in"]:
            ctx.err(line, "bad_expression", f"fact '{fact}' is a string: give `in: [...]`")
            return
        _outside(
            ctx,
            leaf["in"],
            spec["values"],
            "unknown_fact_value",
            lambda value: (
                f"unknown value '{value}' for fact '{fact}'; valid: " + ", ".join(spec["values"])
            ),
        )


def _outside(
    ctx: CheckContext, items: Any, valid: Any, kind: str, message: Callable[[str], str]
) -> None:
    """An error of `kind` on the line of each item of a MarkedList not in `valid`."""
    for value, line in zip(items, items.item_lines, strict=True):
        if value not in valid:
            ctx.err(line, kind, message(value))


def _check_dated_items(
    ctx: CheckContext, node: MarkedDict, key: str, what: str, expr_key: str
) -> None:
    versions = node[key]
    for version in versions:
        check_expression(ctx, version[expr_key], _kline(version, expr_key))
    _check_periods(ctx, list(versions), what)


def _check_reaches(ctx: CheckContext, provision: MarkedDict) -> None:
    """A general provision's `reaches`: known conducts, not those it is filed under."""
    for reach in provision.get("reaches", []):
        _dates(ctx, reach)
        _check_conducts(ctx, reach)
        for code, line in zip(reach["conducts"], reach["conducts"].item_lines, strict=True):
            if code in provision["conducts"]:
                ctx.err(
                    line,
                    "bad_reach",
                    f"provision {provision['id']} is filed under '{code}': "
                    "`reaches` lists only the other conducts it covers",
                )
        if "requires" in reach:
            check_expression(ctx, reach["requires"], _kline(reach, "requires"))


def check_provisions(ctx: CheckContext, data: MarkedDict) -> None:
    _check_code(ctx, data, "jurisdiction")
    for provision in data["provisions"]:
        _check_id(ctx, provision)
        _check_conducts(ctx, provision)
        _check_reaches(ctx, provision)
        _check_purposes(ctx, provision.get("exclusions", MarkedList()))
        for exclusion in provision.get("exclusions", []):
            _dates(ctx, exclusion)
        _check_confidence(ctx, provision, f"provision {provision['id']}")
        for version in provision["versions"]:
            # a version's own confidence below high says what of it was not read; one
            # inheriting the provision's is covered by the provision's note
            if "confidence" in version:
                _check_version_confidence(ctx, provision, version)
        _check_dated_items(ctx, provision, "versions", f"provision {provision['id']}", "elements")
        check_quotes(ctx, provision)
        check_labels(ctx, provision)
    check_absences(ctx, data)


def check_constraints(ctx: CheckContext, data: MarkedDict) -> None:
    _check_code(ctx, data, "jurisdiction")
    for constraint in data["constraints"]:
        _check_id(ctx, constraint)
        _check_conducts(ctx, constraint)
        _check_confidence(ctx, constraint, f"constraint {constraint['id']}")
        _check_dated_items(
            ctx, constraint, "versions", f"constraint {constraint['id']}", "requires"
        )
        limited = constraint["applies_to"]
        for ref, line in zip(limited, limited.item_lines, strict=True):
            ctx.applies_refs.append((ctx.display, line, ref))
        for exception in constraint.get("unless", []):
            _check_exception(ctx, constraint, exception)


def _check_exception(ctx: CheckContext, constraint: MarkedDict, exception: MarkedDict) -> None:
    _check_id(ctx, exception)
    _check_confidence(ctx, exception, f"exception {exception['id']}")
    check_expression(ctx, exception["when"], _kline(exception, "when"))
    limited = constraint["applies_to"]
    _outside(
        ctx,
        exception.get("applies_to", MarkedList()),
        limited,
        "bad_exception",
        lambda ref: (
            f"exception {exception['id']} applies to '{ref}', which constraint "
            f"{constraint['id']} does not limit; valid: " + ", ".join(limited)
        ),
    )


def _each(data: MarkedDict, key: str) -> list[MarkedDict]:
    return list(data.get(key, []))


def _check_vocab_ref(
    ctx: CheckContext, node: MarkedDict, key: str, section: str, kind: str
) -> None:
    values = node[key] if isinstance(node[key], list) else [node[key]]
    for value in values:
        if value not in ctx.vocab[section]:
            ctx.err(
                _kline(node, key), kind, f"unknown {key} '{value}'; valid: {_valid(ctx, section)}"
            )


def check_jurisdiction(ctx: CheckContext, data: MarkedDict) -> None:
    _check_code(ctx, data, "code")
    _check_vocab_ref(ctx, data, "legal_system", "legal_systems", "unknown_legal_system")
    by_org: dict[str, list[MarkedDict]] = {}
    for membership in _each(data, "memberships"):
        _check_vocab_ref(ctx, membership, "org", "organisations", "unknown_org")
        _check_confidence(ctx, membership, f"membership {membership['org']}")
        by_org.setdefault(membership["org"], []).append(membership)
    for org, items in by_org.items():
        _check_periods(ctx, items, f"membership {org}")
    authority_ids = set()
    for authority in _each(data, "authorities"):
        _check_id(ctx, authority)
        authority_ids.add(authority["id"])
        _check_vocab_ref(ctx, authority, "role", "authority_roles", "unknown_role")
        _check_confidence(ctx, authority, f"authority {authority['id']}")
        _dates(ctx, authority)
    _check_channels(ctx, data, authority_ids)
    _check_treaties(ctx, data)
    if "last_verified" in data and parse_date(data["last_verified"]) is None:
        ctx.err(
            _kline(data, "last_verified"),
            "bad_date",
            f"`last_verified: {data['last_verified']}` is not a calendar date",
        )
    if isinstance(data.get("encoded_from"), MarkedDict):
        encoded = data["encoded_from"]
        _check_conduct_starts(ctx, encoded, _calendar_date(ctx, encoded, "encoded_from"))


def _calendar_date(ctx: CheckContext, node: MarkedDict, field: str) -> date | None:
    """`node.date` as a date, or None after reporting it (`field` names it in the message)."""
    day = parse_date(node.get("date", ""))
    if day is None:
        ctx.err(
            _kline(node, "date"),
            "bad_date",
            f"`{field}.date: {node.get('date')}` is not a calendar date",
        )
    return day


def _check_conduct_starts(ctx: CheckContext, encoded: MarkedDict, start: date | None) -> None:
    """`encoded_from.conducts`: known codes, calendar dates after the jurisdiction's own start
    (one on or before it says nothing the jurisdiction's date does not), and a note saying
    what was not read (the engine shows it in `reasons`)."""
    conducts = encoded.get("conducts")
    if not isinstance(conducts, MarkedDict):
        return
    for code, entry in conducts.items():
        field = f"encoded_from.conducts.{code}"
        if code not in ctx.vocab["conducts"]:
            ctx.err(
                _kline(conducts, code),
                "unknown_conduct",
                f"`{field}`: unknown conduct code '{code}'; valid: {_valid(ctx, 'conducts')}",
            )
        if not str(entry.get("note", "")).strip():
            ctx.err(
                _kline(conducts, code),
                "missing_note",
                f"`{field}` needs a `note` saying which earlier law was not read",
            )
        day = _calendar_date(ctx, entry, field)
        if day is not None and start is not None and day <= start:
            ctx.err(
                _kline(entry, "date"),
                "bad_encoded_from",
                f"`{field}.date: {day}` is not after the jurisdiction's "
                f"`encoded_from.date: {start}`",
            )


def _check_channels(ctx: CheckContext, data: MarkedDict, authority_ids: set[str]) -> None:
    for channel in _each(data, "channels"):
        _check_vocab_ref(ctx, channel, "code", "channels", "unknown_channel")
        _dates(ctx, channel)
        _check_confidence(ctx, channel, f"channel {channel['code']}")
        _check_purposes(ctx, channel.get("exclusions", MarkedList()))
        if "authority" in channel and channel["authority"] not in authority_ids:
            ctx.err(
                _kline(channel, "authority"),
                "unknown_authority",
                f"authority '{channel['authority']}' is not among this file's authorities: "
                + (", ".join(sorted(authority_ids)) or "none"),
            )
        for ref, line in zip(
            channel.get("scope", []), channel.get("scope", MarkedList()).item_lines, strict=True
        ):
            ctx.scope_refs.append((ctx.display, line, ref))


def _check_treaties(ctx: CheckContext, data: MarkedDict) -> None:
    """A jurisdiction names register ids; check_treaty_refs resolves them afterwards."""
    refs = data.get("treaties", MarkedList())
    for ref, line in zip(refs, refs.item_lines, strict=True):
        ctx.treaty_refs.append((ctx.display, line, ref, data["code"]))


def check_treaty(ctx: CheckContext, data: MarkedDict) -> None:
    """One register record: its id names its file, party periods per state never
    overlap, nobody is both party and non-party, nobody is bound before signature."""
    if data["id"] != ctx.folder:
        ctx.err(
            _kline(data, "id"),
            "treaty_id_mismatch",
            f"treaty id '{data['id']}' does not match its file name '{ctx.folder}.yaml'",
        )
    _check_id(ctx, data, prefix=False)
    _check_vocab_ref(ctx, data, "channels", "channels", "unknown_channel")
    _check_confidence(ctx, data, f"treaty {data['id']}")
    if "conducts" in data:
        _check_conducts(ctx, data)
    _check_treaty_scope(ctx, data)
    signed = parse_date(data["signed"])
    if signed is None:
        ctx.err(_kline(data, "signed"), "bad_date", f"`signed: {data['signed']}` is not a date")
    general = parse_date(data["in_force"]) if "in_force" in data else None
    by_state: dict[str, list[MarkedDict]] = {}
    for entry in _each(data, "parties"):
        _check_party_code(ctx, entry)
        _check_confidence(ctx, entry, f"treaty {data['id']} party {entry['state']}")
        by_state.setdefault(entry["state"], []).append(entry)
        start = parse_date(entry["from"])
        if signed is not None and start is not None and start < signed:
            ctx.err(
                _kline(entry, "from"),
                "bad_treaty",
                f"treaty {data['id']}: {entry['state']} bound from {start}, "
                f"before signature on {signed}",
            )
        elif general is not None and start is not None and start < general:
            ctx.err(
                _kline(entry, "from"),
                "bad_treaty",
                f"treaty {data['id']}: {entry['state']} bound from {start}, before the "
                f"treaty's entry into force on {general} (`in_force`)",
            )
    for state, entries in by_state.items():
        _check_periods(ctx, entries, f"treaty {data['id']} party {state}")
    for non in _each(data, "non_parties"):
        _check_party_code(ctx, non)
        _check_confidence(ctx, non, f"treaty {data['id']} non-party {non['state']}")
        if non["state"] in by_state:
            ctx.err(
                _kline(non, "state"),
                "bad_treaty",
                f"treaty {data['id']}: {non['state']} is listed both as party and as non-party",
            )
    states = set(by_state) | set(data.get("signatories", []))
    if data["kind"] == "bilateral" and (
        len(states) != 2 or data["parties_complete"] != (len(by_state) == 2)
    ):
        ctx.err(
            _kline(data, "parties"),
            "bad_treaty",
            f"treaty {data['id']}: a bilateral treaty names two states; its list is complete "
            "exactly when both have a party entry",
        )


def _check_treaty_scope(ctx: CheckContext, data: MarkedDict) -> None:
    """A scope names conducts the treaty covers; its trees are element expressions whose
    every leaf quotes the treaty's `articles`. A minimum penalty (`serious_crime`) names
    known conducts the treaty covers too; its quotes are checked with the scope's."""
    scope = data.get("scope") or MarkedDict()
    covered = data.get("conducts")
    for conduct, expr in scope.items():
        line = scope.key_lines.get(conduct, scope.line)
        if conduct not in ctx.vocab["conducts"]:
            ctx.err(
                line,
                "unknown_conduct",
                f"unknown conduct code '{conduct}'; valid: " + _valid(ctx, "conducts"),
            )
        elif covered is not None and conduct not in covered:
            ctx.err(
                line,
                "bad_treaty",
                f"treaty {data['id']}: scope for {conduct}, a conduct its `conducts` "
                "list does not cover",
            )
        check_expression(ctx, expr, line)
    serious: MarkedDict = data.get("serious_crime") or MarkedDict()
    for conduct in serious.get("conducts", ()):
        if conduct not in ctx.vocab["conducts"]:
            ctx.err(
                _kline(serious, "conducts"),
                "unknown_conduct",
                f"unknown conduct code '{conduct}' in serious_crime; valid: "
                + _valid(ctx, "conducts"),
            )
        elif covered is not None and conduct not in covered:
            ctx.err(
                _kline(serious, "conducts"),
                "bad_treaty",
                f"treaty {data['id']}: serious_crime names {conduct}, a conduct its "
                "`conducts` list does not cover",
            )
    check_treaty_quotes(ctx, data)


def _check_party_code(ctx: CheckContext, node: MarkedDict) -> None:
    # The Union is a host of its own (the EU layer): the register must be able to say
    # that a convention open only to States does not bind it, or that one open to
    # regional organisations does (UNTOC art. 36(2)).
    if node["state"] != EU and not is_iso_code(node["state"]):
        ctx.err(
            _kline(node, "state"),
            "unknown_jurisdiction",
            f"treaty party '{node['state']}' is not ISO 3166-1 alpha-2; write GB, never UK",
        )


def check_treaty_refs(
    refs: list[tuple[str, int, str, str]], register: dict[str, Any]
) -> list[KBError]:
    """A jurisdiction may name only register treaties that record it as party or non-party."""
    out = []
    for shown, line, ident, state in refs:
        treaty = register.get(ident)
        if treaty is None:
            out.append(
                KBError(
                    shown,
                    line,
                    "unknown_treaty",
                    f"treaty '{ident}' is not in the register (knowledge/_treaties/); known: "
                    + (", ".join(sorted(register)) or "none"),
                )
            )
        elif state not in {p["state"] for p in treaty["parties"]}:
            out.append(
                KBError(
                    shown,
                    line,
                    "bad_treaty",
                    f"treaty '{ident}' does not list {state} among its parties",
                )
            )
    return out


CHECKS: dict[str, Callable[[CheckContext, MarkedDict], None]] = {
    "provisions": check_provisions,
    "constraints": check_constraints,
    "jurisdiction": check_jurisdiction,
}
