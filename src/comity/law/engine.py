"""The dual-criminality engine: pure, deterministic, no I/O.

`assess(kb=..., conduct=..., facts=..., host=..., on=...)` answers: would the
host's own law forbid this conduct on that date, under which provisions and
elements, what is missing, and which channels can work.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from comity.core.errors import BadInput
from comity.law._index import Entry, Index, index_of
from comity.law._verdict import Row, Verdict
from comity.law.assessment import Assessment, ChannelStat
from comity.law.channels import rank_channels, refused_channels
from comity.law.countries import normalise_code
from comity.law.evaluate import as_requesting, requesting_names, run_entry
from comity.law.model import Jurisdiction, KnowledgeBase, Vocabulary
from comity.law.orgs.derive import OrgResult, Rule
from comity.law.treaties import RequestingPenalty

__all__ = ["assess", "check_facts", "implied_facts", "parse_date"]

_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


def parse_date(value: date | str, *, field: str = "date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInput(
            f"{field}: '{value}' is not a date; valid: YYYY-MM-DD, e.g. 2024-05-01", field=field
        ) from None


def check_facts(kb: KnowledgeBase, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise facts (booleans may be given as true/false/yes/no text)."""
    specs = kb.vocabulary.facts
    out: dict[str, Any] = {}
    for name, raw in facts.items():
        spec = specs.get(name)
        if spec is None:
            raise BadInput(
                f"fact '{name}' is unknown; valid: {', '.join(sorted(specs))}", field="facts"
            )
        if raw is None:
            continue
        if spec.type == "bool":
            if isinstance(raw, bool):
                out[name] = raw
            elif isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
                out[name] = raw.strip().lower() in _TRUE
            else:
                raise BadInput(
                    f"fact '{name}': '{raw}' is not valid; valid: true, false", field=name
                )
        else:
            value = str(raw).strip()
            if value not in spec.values:
                raise BadInput(
                    f"fact '{name}': '{raw}' is not valid; valid: {', '.join(spec.values)}",
                    field=name,
                )
            out[name] = value
    return out


class Implied(NamedTuple):
    """What `implied_facts` decided: see there."""

    effective: dict[str, Any]
    implied: tuple[tuple[str, Any, str], ...]
    clashes: tuple[tuple[str, Any, Any, str], ...]
    set_aside: tuple[str, ...]


def implied_facts(kb: KnowledgeBase, conduct: str, facts: Mapping[str, Any]) -> Implied:
    """The facts the engine decides on: those given, plus those implied.

    Returns the effective facts, the implied ones (fact, value, reason), the
    contradictions (fact, given, implied, reason) and the facts set aside.

    A fact a conduct implies yields to a fact given explicitly: the given one is
    kept and the contradiction flagged (the analyst knows the item, the code only
    classifies it). A fact another fact implies (`when`: the aim implies the
    general intent) has no such order: given against it, the two facts say
    opposite things about the same person, so both are set aside (decided as if
    not given: the answer turns `conditional` and asks for them) rather than one
    picked to found a `yes` or a `no`.
    """
    memo = kb.memo.setdefault("implied", {})
    rules = memo.get(conduct)
    if rules is None:  # the conduct's rules, then the facts' (which see what those implied)
        every = kb.vocabulary.implied_facts
        rules = memo[conduct] = tuple(
            r for r in every if r.when is None and conduct in r.conducts
        ) + tuple(r for r in every if r.when is not None)
    out = dict(facts)
    added: list[tuple[str, Any, str]] = []
    clashes: list[tuple[str, Any, Any, str]] = []
    set_aside: list[str] = []
    for rule in rules:
        when = rule.when
        if when is not None and out.get(when[0]) != when[1]:
            continue
        given = out.get(rule.fact)
        if given is None:
            out[rule.fact] = rule.value
            added.append((rule.fact, rule.value, rule.reason))
        elif given != rule.value:
            clashes.append((rule.fact, given, rule.value, rule.reason))
            if when is not None:  # two given facts against each other: neither is kept
                for name in (when[0], rule.fact):
                    out.pop(name, None)
                    set_aside.append(name)
    return Implied(out, tuple(added), tuple(clashes), tuple(set_aside))


def _choice(value: str, valid: Mapping[str, Any] | tuple[str, ...], field: str) -> str:
    if value not in valid:
        raise BadInput(
            f"{field}: '{value}' is unknown; valid: {', '.join(sorted(valid))}", field=field
        )
    return value


# the requesting state's own provisions need the requesting state's designation
_REQUESTING_DESIGNATION = "designated_in_requesting"
_TEXT_VERIFIED = "host_text_verified"  # see _outcome


def _requesting_label(vocab: Vocabulary) -> str:
    spec = vocab.facts.get(_REQUESTING_DESIGNATION)
    return spec.label if spec is not None else _REQUESTING_DESIGNATION


_Rules = tuple[tuple[Rule, ...], tuple[str, ...]]


def _rules_of(kb: KnowledgeBase, code: str, bucket: int, on: date) -> _Rules:
    """(the rules of `code`'s provisions in force that name their lists, the ids of those that
    name none), for the knowledge-base period `bucket` (where no version changes, so `on`
    only picks the versions): built once per period and jurisdiction, so that `--org` costs
    a few look-ups per assessment, never a scan of the provisions."""
    table: dict[tuple[str, int], _Rules] = kb.memo.setdefault("designation_rules", {})
    found = table.get((code, bucket))
    if found is not None:
        return found
    lists = kb.register.lists
    grouped: dict[str, tuple[tuple[str, ...], bool, list[str]]] = {}
    fallback: list[str] = []
    for provision in kb.provisions_by_id.values():
        if provision.jurisdiction != code or not provision.requires_host_designation:
            continue
        version = provision.version_on(on)
        if version is None:
            continue
        if version.designation_key is None or version.designation_lists is None:
            fallback.append(provision.id)
            continue
        item = grouped.setdefault(
            version.designation_key, (version.designation_lists, version.designation_final, [])
        )
        item[2].append(provision.id)
    rules = tuple(
        Rule(key, code, tuple(lists[i] for i in names), final, tuple(ids))
        for key, (names, final, ids) in sorted(grouped.items())
    )
    table[(code, bucket)] = found = (rules, tuple(sorted(fallback)))
    return found


def _organisation(
    kb: KnowledgeBase,
    index: Index,
    bucket: int,
    *,
    org: str,
    host: str,
    requesting: str,
    on: date,
    given: Mapping[str, Any],
) -> OrgResult:
    """The register's answers for `org` (BadInput naming the closest organisations if unknown)."""
    register = kb.register
    host_eu = index.eu_member(host, bucket, on)
    host_rules, host_fallback = _rules_of(kb, host, bucket, on)
    if host_eu:
        eu_rules, eu_fallback = _rules_of(kb, "EU", bucket, on)
        host_rules, host_fallback = host_rules + eu_rules, host_fallback + eu_fallback
    req_rules, req_fallback = _rules_of(kb, requesting, bucket, on)
    return OrgResult.of(
        register,
        register.require(org),
        host=host,
        requesting=requesting,
        on=on,
        host_eu=host_eu,
        requesting_eu=index.eu_member(requesting, bucket, on),
        given=given,
        host_rules=host_rules,
        requesting_rules=req_rules,
        fallback_provisions=(host_fallback, req_fallback),
    )


_CACHE_SIZE = 16_384  # verdicts kept per knowledge base (each a few small tuples)
_SEEN_SIZE = 262_144  # hashes of keys seen once (ints: no work for the garbage collector)


def _rows(
    entries: tuple[Entry, ...],
    facts: Mapping[str, Any],
    foreign: bool,
    designation: str = "designated_in_host",
) -> tuple[Row, ...]:
    return tuple((entry, *run_entry(entry, facts, foreign, designation)) for entry in entries)


def _outcome(rows: tuple[Row, ...], text_verified: bool = True) -> str:
    """`yes` if a provision matches. On the host's side a match resting only on provisions
    whose wording applied on the date is encoded with `low` confidence (never checked
    against its text) is `conditional` with the missing fact `host_text_verified`, unless
    that fact is given: an unread wording must not found a governmental request on its own.
    The confidence is the applied version's, so a provision whose later wording was read
    but whose earlier one was not answers by the wording of the assessed date."""
    statuses = {
        "conditional"
        if status == "yes" and not text_verified and entry.confidence == "low"
        else status
        for entry, status, _ in rows
    }
    return "yes" if "yes" in statuses else ("conditional" if "conditional" in statuses else "no")


def _ended(row: Row, on: date) -> bool:
    """The row's provision is not in force on `on` because all its versions have ended."""
    entry, status, _ = row
    versions = entry.provision.versions
    return status == "not_in_force" and all(v.end is not None and v.end < on for v in versions)


def _unread(jur: Jurisdiction, conduct: str, rows: tuple[Row, ...], outcome: str, on: date) -> bool:
    # rows of provisions whose every version had ended (e.g. an article repealed by a new
    # code whose article was not read) do not count as coverage; before a provision's
    # first version the law did not yet hold it, which stays a `no`
    if not any(not _ended(row, on) for row in rows):
        return not any(a.conduct == conduct and a.verified for a in jur.absences)
    return outcome == "no" and _partly_read(jur, conduct)


def _partly_read(jur: Jurisdiction, conduct: str) -> bool:
    """The state's provisions for the conduct are encoded, but other offences for it were
    not read (`absences` with `partial: true`)."""
    return any(a.conduct == conduct and a.partial for a in jur.absences)


def _unread_match(rows: tuple[Row, ...]) -> bool:
    """Only `low` wordings match (so the outcome rests on text nobody has read)."""
    yes = [entry.confidence for entry, status, _ in rows if status == "yes"]
    return bool(yes) and all(confidence == "low" for confidence in yes)


def _requesting_penalty(rows: tuple[Row, ...], *, partial: bool) -> RequestingPenalty:
    """The gravest requesting offence the content meets: among the rows that say `yes`,
    else those that are `conditional` (whichever fact decides, it is one of them); its
    maximum is uncertain when the state's other offences for the conduct were not read."""
    matched = [entry for entry, status, _ in rows if status == "yes"] or [
        entry for entry, status, _ in rows if status == "conditional"
    ]
    years: float | None = None
    provision: str | None = None
    unknown = partial or not matched
    for entry in matched:
        penalty = entry.version.max_penalty if entry.version is not None else None
        value = None if penalty is None else (math.inf if penalty.life else penalty.years)
        if value is None:
            unknown = True
        elif years is None or value > years:
            years, provision = value, entry.provision.id
    return RequestingPenalty(years, provision, unknown)


def _decide(
    kb: KnowledgeBase,
    index: Index,
    bucket: int,
    *,
    conduct: str,
    facts: Mapping[str, Any],
    host: str,
    requesting: str,
    on: date,
    priority: str,
    role: str,
    channel_stats: Mapping[tuple[str, str], ChannelStat] | None,
) -> Verdict:
    """Everything decided for one knowledge-base period; `on` only picks the period."""
    jur = kb.jurisdictions.get(host)
    encoded = jur is not None and jur.encoded_on(on)
    host_rows: tuple[Row, ...] = ()
    eu_rows: tuple[Row, ...] = ()
    eu_member = False
    unread_conduct = False
    # this conduct's provisions were read only from a later date: before it the earlier
    # wording is unread, and a `no` from the later provisions' absence would be a guess
    conduct_unread = jur.conduct_unread(conduct, on) if jur is not None and encoded else None
    if conduct_unread is not None:
        outcome = "unsupported"
    elif encoded:
        host_rows = _rows(index.entries(host, conduct, bucket, on), facts, host != requesting)
        outcome = _outcome(host_rows, facts.get(_TEXT_VERIFIED) is True)
        if jur is not None and _unread(jur, conduct, host_rows, outcome, on):
            # no provision in force or to come covers the conduct and nobody recorded that
            # the law was read and holds none, or the encoded ones say no while others were
            # not read: `no` would be a guess, so the answer is `unsupported`
            outcome, unread_conduct = "unsupported", True
        eu_member = index.eu_member(host, bucket, on)
        if eu_member:
            eu_rows = _rows(index.entries("EU", conduct, bucket, on), facts, requesting != "EU")
    else:
        outcome = "unsupported"
    requesting_rows: tuple[Row, ...] = ()
    req_jur = kb.jurisdictions.get(requesting)
    requesting_unread = None
    requesting_unread_conduct: str | None = None
    if req_jur is not None and req_jur.encoded_on(on):
        requesting_unread = req_jur.conduct_unread(conduct, on)
    if requesting_unread is not None:
        requesting_outcome = "unsupported"
    elif req_jur is not None and req_jur.encoded_on(on):
        twins = kb.vocabulary.requesting_twins
        requesting_rows = _rows(
            index.entries(requesting, conduct, bucket, on),
            as_requesting(facts, twins),
            False,
            _REQUESTING_DESIGNATION,
        )
        requesting_rows = tuple(
            (entry, status, requesting_names(missing, twins) or missing)
            for entry, status, missing in requesting_rows
        )
        requesting_outcome = _outcome(requesting_rows)
        # the same rule as the host's: a `no` where the requesting state's law for the
        # conduct was not read (no provision and no verified absence, or a partial one)
        # would be an answer by omission
        if _unread(req_jur, conduct, requesting_rows, requesting_outcome, on):
            requesting_outcome, requesting_unread_conduct = "unsupported", requesting
    else:
        requesting_outcome = "unsupported"
    missing: dict[str, None] = {}
    if outcome == "conditional":
        for _, status, unknown in host_rows:
            if status == "conditional":
                missing.update(dict.fromkeys(unknown))
        if _unread_match(host_rows):
            missing[_TEXT_VERIFIED] = None
    vocab = kb.vocabulary
    # a treaty narrower than the conduct code (terrorism as it defines it) is checked
    # against this content's facts: a grudge threat is not within a terrorism treaty
    treaties = index.scoped_treaty_checks(host, requesting, conduct, bucket, on, facts)
    if index.reads_penalty(treaties, conduct):
        # a treaty for grave crime only (UNTOC art. 3(1)(b)) reads the requesting state's
        # offence; where that state's code is partly read a graver offence may exist, so
        # the maximum among the offences read is not known to be its maximum
        partial = req_jur is not None and _partly_read(req_jur, conduct)
        penalty = _requesting_penalty(requesting_rows, partial=partial)
        treaties = index.penalised_treaty_checks(treaties, conduct, penalty)
    if outcome in ("no", "unsupported"):
        channel_rows, excluded = refused_channels(
            specs=vocab.channels, host=host, outcome=outcome, encoded=encoded
        )
    else:
        plan = index.channel_plan(host, requesting, conduct, bucket, on)
        if plan.treaties != treaties:
            plan = replace(plan, treaties=treaties)
        channel_rows, excluded = rank_channels(
            plan=plan,
            vocab=vocab,
            host=host,
            requesting=requesting,
            facts=facts,
            outcome=outcome,
            role=role,
            priority=priority,
            channel_stats=channel_stats,
        )
    return Verdict(
        outcome=outcome,
        encoded=encoded,
        eu_member=eu_member,
        host_rows=host_rows,
        requesting_rows=requesting_rows,
        eu_rows=eu_rows,
        requesting_outcome=requesting_outcome,
        missing_facts=tuple(sorted(missing)),
        channel_rows=channel_rows,
        excluded=excluded,
        designation_label=vocab.host_designation_label,
        treaties=treaties,
        requesting_designation_label=_requesting_label(vocab),
        requesting_twins=vocab.requesting_twins,
        unread_before=(jur.encoded_from, jur.encoded_from_note) if jur and not encoded else None,
        unread_conduct=unread_conduct,
        conduct_unread_before=conduct_unread,
        requesting_unread_before=(requesting, *requesting_unread) if requesting_unread else None,
        requesting_unread_conduct=requesting_unread_conduct,
    )


def _memoised(
    kb: KnowledgeBase, index: Index, bucket: int, args: dict[str, Any], key: tuple[Any, ...]
) -> Verdict:
    """The verdict from a bounded LRU, admitting a key only when seen a second time.

    Why the admission rule: a verdict kept in memory is a few dozen objects the
    garbage collector keeps traversing; caching every one-off input (random
    facts rarely repeat) made the engine slower than not caching at all. Keys
    seen once are remembered only by their hash (a plain set of ints).
    """
    memo: OrderedDict[tuple[Any, ...], Verdict] = kb.memo.setdefault("verdicts", OrderedDict())
    verdict = memo.get(key)
    if verdict is not None:
        with suppress(KeyError):  # another thread may have evicted it meanwhile
            memo.move_to_end(key)
        return verdict
    verdict = _decide(kb, index, bucket, **args)
    kb.memo["verdict_misses"] = kb.memo.get("verdict_misses", 0) + 1  # for the benchmark
    seen: set[int] = kb.memo.setdefault("seen_once", set())
    digest = hash(key)
    if digest not in seen:
        if len(seen) >= _SEEN_SIZE:
            seen.clear()
        seen.add(digest)
        return verdict
    memo[key] = verdict
    if len(memo) > _CACHE_SIZE:
        with suppress(KeyError):
            memo.popitem(last=False)
    return verdict


def assess(
    *,
    kb: KnowledgeBase,
    conduct: str,
    facts: Mapping[str, Any],
    host: str,
    requesting: str = "KZ",
    on: date | str,
    priority: str = "standard",
    role: str = "hosting",
    channel_stats: Mapping[tuple[str, str], ChannelStat] | None = None,
    cache: bool = True,
    org: str | None = None,
) -> Assessment:
    """Assess one conduct against one host's law (and the requesting state's) on a date.

    With `org` (an id of the organisations register), `designated_in_host` and
    `designated_in_requesting` come from the register as of `on` unless given
    in `facts` (an explicit fact wins; the result flags a contradiction).

    With `cache` (and no `channel_stats`, which change the ranking), the
    date-free verdict is memoised per knowledge-base period in a bounded LRU:
    the answer is a pure function of the key, and immutable.
    """
    vocab = kb.vocabulary
    _choice(conduct, vocab.conducts, "conduct")
    _choice(priority, vocab.priorities, "priority")
    _choice(role, vocab.roles, "role")
    on = parse_date(on)
    host = normalise_code(host, field="host")
    requesting = normalise_code(requesting, field="requesting", allow_eu=False)
    clean = check_facts(kb, facts)
    items = tuple(sorted(clean.items()))
    index = index_of(kb)
    bucket = index.bucket(on)
    found = None
    key_items = items
    decided = clean
    if org is not None:
        found = _organisation(
            kb, index, bucket, org=org, host=host, requesting=requesting, on=on, given=clean
        )
        decided = dict(clean)
        found.fill(decided)
        key_items = tuple(sorted(decided.items()))
    implied = implied_facts(kb, conduct, decided)
    args = {
        "conduct": conduct,
        "facts": implied.effective,
        "host": host,
        "requesting": requesting,
        "on": on,
        "priority": priority,
        "role": role,
        "channel_stats": channel_stats,
    }
    if cache and channel_stats is None:
        verdict = _memoised(
            kb, index, bucket, args, (conduct, host, requesting, bucket, key_items, role, priority)
        )
    else:
        verdict = _decide(kb, index, bucket, **args)  # type: ignore[arg-type]
    return Assessment(
        dual_criminality=verdict.outcome,  # type: ignore[arg-type]
        conduct=conduct,
        host=host,
        requesting=requesting,
        date=on,
        role=role,
        priority=priority,
        facts=items,
        requesting_outcome=verdict.requesting_outcome,
        missing_facts=verdict.missing_facts,
        kb_version=kb.digest,
        verdict=verdict,
        implied=implied.implied,
        contradictions=implied.clashes,
        set_aside=implied.set_aside,
        organisation=found,
    )
