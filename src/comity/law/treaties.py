"""Does a treaty found a channel between two states on a date? (ASSESSMENT.md, second edition)

A treaty channel exists only while the treaty is in force for **both** states on
the date. The register records, per party, the date the instrument entered into
force for it and the last day it was bound (denunciation, withdrawal). Three
answers:

- `in_force`: both states have a party entry covering the date; the channel is
  founded and the entries used are reported.
- `refused`: the treaty is not yet signed or not yet in force at all (`in_force`,
  its general entry into force), or one state is not bound on the date (not yet in
  force for it, its participation ended, or it is recorded as a non-party, or the
  list is complete and does not name it). A refused treaty never founds a channel.
- `conditional`: neither refused, but the register's party list is marked
  incomplete and does not record one of the states, which signed it or may join it
  (`open_to_all`: UN conventions). A closed instrument that does not name a state
  (a CIS or SCO convention and Germany, the KZ-TR agreement and Russia) is not a
  question between the two states and is not reported at all (`concerns`). A
  conditional channel is offered only on condition that the state is shown to
  be bound on the date, and the uncertainty is named; it never gets the treaty
  boost.

A treaty may also be narrower than a conduct code (`Treaty.scope`): the CIS and
SCO counter-terrorism treaties reach a threat only when it is terrorism as they
define it, never a grudge threat that the code `terrorism.threat` also holds.
`within_scope` applies that to a check for the content's facts: outside the
scope the treaty is `refused` for this content, with an unknown fact it is
`conditional` on it. A treaty may also reach only grave offences of the requesting
state (`Treaty.serious_crime`: UNTOC art. 3(1)(b) with art. 2(b), a maximum of at
least four years): `within_penalty` refuses it when the requesting state's offence is
known to carry less, unless the treaty names another offence it covers whatever the
penalty (`otherwise`: UNTOC art. 5), and makes it conditional on that offence or on an
unknown penalty.

Reasons hold no assessment date (a check is shared by every date of a
knowledge-base period, see `_index`), only the register's own dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, NamedTuple

from comity.law.model import Expr, Leaf, NonParty, PartyEntry, Treaty

__all__ = [
    "RequestingPenalty",
    "TreatyCheck",
    "check_treaty",
    "concerns",
    "within_penalty",
    "within_scope",
]

TreatyStatus = Literal["in_force", "conditional", "refused"]


@dataclass(frozen=True, slots=True, eq=False)
class TreatyCheck:
    treaty: Treaty
    status: TreatyStatus
    host: str
    requesting: str
    entries: tuple[PartyEntry, ...]  # the party entries in force that were used
    reason: str

    def to_json(self) -> dict[str, Any]:
        t = self.treaty
        return {
            "id": t.id,
            "title": t.title,
            "status": self.status,
            "reason": self.reason,
            "channels": list(t.channels),
            "signed": t.signed.isoformat(),
            "parties_complete": t.parties_complete,
            "party_entries": [e.to_json() for e in self.entries],
            "confidence": t.confidence,
            "source": t.source.to_json(),
        }


def _why_not(treaty: Treaty, state: str, standing: str, found: PartyEntry | NonParty | None) -> str:
    if standing == "not_yet" and isinstance(found, PartyEntry):
        return f"not yet in force for {state}: it enters into force for {state} on {found.start}"
    if standing == "ended" and isinstance(found, PartyEntry):
        return f"no longer in force for {state}: it ceased to bind {state} after {found.end}"
    if isinstance(found, NonParty):
        return f"{state} is not a party ({found.source.title})"
    if treaty.parties_complete:
        return f"{state} is not among its parties (the register's list is complete)"
    return f"{state} is not named by this closed instrument"


def concerns(treaty: Treaty, host: str, requesting: str) -> bool:
    """Is the treaty a question between these two states at all? Each must be named by
    the register (party, signatory or non-party) unless any state may join. A closed
    instrument that does not name a state (the KZ-TR agreement and Germany) is not
    reported: listing it as refused would only bury the refusals that matter."""
    return host != requesting and all(
        treaty.open_to_all or state in treaty.states for state in (host, requesting)
    )


def check_treaty(treaty: Treaty, host: str, requesting: str, on: date) -> TreatyCheck:
    """The status of `treaty` between `host` and `requesting` on `on`."""
    if on < treaty.signed:
        reason = f"not yet signed: it was signed on {treaty.signed}"
        return TreatyCheck(treaty, "refused", host, requesting, (), reason)
    if treaty.in_force is not None and on < treaty.in_force:
        # before its general entry into force a treaty binds nobody, whatever the party
        # list does not record (an incomplete list would otherwise leave it conditional)
        reason = f"not yet in force: it entered into force on {treaty.in_force}"
        return TreatyCheck(treaty, "refused", host, requesting, (), reason)
    refused: list[str] = []
    unknown: list[str] = []
    entries: list[PartyEntry] = []
    for state in (requesting, host):
        standing, found = treaty.standing(state, on)
        if standing == "party" and isinstance(found, PartyEntry):
            entries.append(found)
        elif standing == "unknown":
            unknown.append(state)
        else:
            refused.append(_why_not(treaty, state, standing, found))
    if refused:
        return TreatyCheck(treaty, "refused", host, requesting, tuple(entries), "; ".join(refused))
    if unknown:
        names = " and ".join(unknown)
        verb = "is" if len(unknown) == 1 else "are"
        reason = (
            f"party list incomplete: the register does not record whether {names} {verb} "
            f"bound; the channel holds only once {names} {verb} shown to be bound on the date"
        )
        return TreatyCheck(treaty, "conditional", host, requesting, tuple(entries), reason)
    bound = " and ".join(f"for {e.state} from {e.start}" for e in entries)
    unread = [e.state for e in entries if e.confidence == "low"]
    if unread:
        # a party entry from background knowledge must not found a channel on its own,
        # as a low-confidence provision must not (issue 14)
        names = " and ".join(unread)
        reason = (
            f"in force {bound} by the register, but the entry for {names} is low confidence "
            "(not verified against the depositary's record): holds once verified"
        )
        return TreatyCheck(treaty, "conditional", host, requesting, tuple(entries), reason)
    return TreatyCheck(treaty, "in_force", host, requesting, tuple(entries), f"in force {bound}")


def _wording(expr: Expr, *, nested: bool = False) -> str:
    """The scope tree in words, for a refusal: 'a; or b', 'a; and b', 'not a'."""
    if isinstance(expr, Leaf):
        return expr.label
    if expr.op == "not":
        return "not " + _wording(expr.children[0], nested=True)
    joiner = "; or " if expr.op == "any" else "; and "
    joined = joiner.join(_wording(c, nested=True) for c in expr.children)
    return f"[{joined}]" if nested and len(expr.children) > 1 else joined


def within_scope(
    checks: tuple[TreatyCheck, ...], conduct: str, facts: Mapping[str, Any]
) -> tuple[TreatyCheck, ...]:
    """The checks with each treaty's scope for `conduct` applied to the content's facts.

    A refused check stays refused. Outside the scope a treaty founds nothing for this
    content; where a fact deciding the scope is unknown, the channel holds only on
    that fact, so it is offered on condition and never boosted.
    """
    out: list[TreatyCheck] = []
    for check in checks:
        scope = check.treaty.scope.get(conduct)
        if scope is None or check.status == "refused":
            out.append(check)
            continue
        value, unknown = scope.check(facts)
        if value is True:
            out.append(check)
        elif value is False:
            reason = (
                f"the content is outside its scope for {conduct}: it reaches only "
                f"{_wording(scope.elements)}"
            )
            out.append(replace(check, status="refused", reason=reason))
        else:
            facts_needed = ", ".join(dict.fromkeys(unknown))
            reason = f"within its scope for {conduct} only if: {facts_needed}"
            if check.status == "conditional":
                reason = f"{check.reason}; and {reason}"
            out.append(replace(check, status="conditional", reason=reason))
    return tuple(out)


class RequestingPenalty(NamedTuple):
    """The gravest offence of the requesting state that the content meets (its rows that
    answer `yes`, else those that are `conditional`): the most years (infinite for life),
    which provision carries it, and whether one of those rows has no encoded years."""

    years: float | None
    provision: str | None
    unknown: bool


def within_penalty(
    checks: tuple[TreatyCheck, ...], conduct: str, penalty: RequestingPenalty
) -> tuple[TreatyCheck, ...]:
    """The checks with each treaty's minimum penalty of the requesting offence applied.

    A treaty for grave crime only does not found a request about a lesser offence: known
    and lower, it is refused, unless the treaty also covers the conduct as another offence
    whatever its penalty (`otherwise`: UNTOC art. 3(1)(a), the art. 5 participation
    offences), which the register cannot rule out, so it holds only on that condition.
    Unknown (no penalty encoded, the requesting law unread or partly read) holds the
    channel only on condition too.
    """
    out: list[TreatyCheck] = []
    for check in checks:
        serious = check.treaty.serious_crime
        if serious is None or conduct not in serious.conducts or check.status == "refused":
            out.append(check)
            continue
        words = f"'{serious.quote}' ({serious.article})"
        if penalty.years is not None and penalty.years >= serious.years:
            out.append(check)
            continue
        if penalty.years is not None and not penalty.unknown:
            below = (
                f"the requesting state's offence read ({penalty.provision}, at most "
                f"{penalty.years:g} years) is not {words}"
            )
            if serious.otherwise is None:
                reason = f"{below}: outside its scope for {conduct}"
                out.append(replace(check, status="refused", reason=reason))
                continue
            reason = (
                f"{below}; within its scope for {conduct} only if the conduct is "
                f"{serious.otherwise[0]}, which the encoded law does not show"
            )
        else:
            reason = (
                f"within its scope for {conduct} only if the requesting state's offence is "
                f"{words}, which the encoded law does not show"
            )
        if check.status == "conditional":
            reason = f"{check.reason}; and {reason}"
        out.append(replace(check, status="conditional", reason=reason))
    return tuple(out)
