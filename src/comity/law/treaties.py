"""Does a treaty found a channel between two states on a date? (ASSESSMENT.md, second edition)

A treaty channel exists only while the treaty is in force for **both** states on
the date. The register records, per party, the date the instrument entered into
force for it and the last day it was bound (denunciation, withdrawal). Three
answers:

- `in_force`: both states have a party entry covering the date; the channel is
  founded and the entries used are reported.
- `refused`: one state is not bound on the date (not yet in force for it, its
  participation ended, or it is recorded as a non-party, or the list is complete
  and does not name it). A refused treaty never founds a channel.
- `conditional`: neither refused, but the register's party list is marked
  incomplete and does not record one of the states, which signed it or may join it
  (`open_to_all`: UN conventions). A closed instrument that does not name a state
  (a CIS or SCO convention and Germany, the KZ-TR agreement and Russia) is not a
  question between the two states and is not reported at all (`concerns`). A
  conditional channel is offered only on condition that the state is shown to
  be bound on the date, and the uncertainty is named; it never gets the treaty
  boost.

Reasons hold no assessment date (a check is shared by every date of a
knowledge-base period, see `_index`), only the register's own dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from comity.law.model import NonParty, PartyEntry, Treaty

__all__ = ["TreatyCheck", "check_treaty", "concerns"]

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
