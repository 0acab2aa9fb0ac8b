"""The compact, date-free result of one assessment, and its expansion for display.

A `Verdict` is everything the engine decided for (conduct, facts, host,
requesting state, role, priority) within one knowledge-base period: statuses
and missing facts per provision, ranked channel rows. It holds no date and no
prose built from one, so it can be shared by every date of the period (and
memoised). `Assessment` wraps it with the date and turns it into
`ProvisionResult`s and `RankedChannel`s only when asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from comity.law._index import Entry
from comity.law.assessment import ExclusionApplied, ProvisionResult, RankedChannel
from comity.law.channels import ChannelRow, Excluded
from comity.law.evaluate import as_requesting, explain_entry, requesting_names
from comity.law.treaties import TreatyCheck

__all__ = ["Row", "Verdict"]

Row = tuple[Entry, str, tuple[str, ...]]  # entry, status, missing facts


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str
    encoded: bool
    eu_member: bool
    host_rows: tuple[Row, ...]
    requesting_rows: tuple[Row, ...]
    eu_rows: tuple[Row, ...]
    requesting_outcome: str
    missing_facts: tuple[str, ...]
    channel_rows: tuple[ChannelRow, ...]
    excluded: tuple[Excluded, ...]
    designation_label: str
    treaties: tuple[TreatyCheck, ...] = ()  # every treaty naming either state, with its status
    requesting_designation_label: str = ""
    # the host is encoded, but only from this date (with the note saying why)
    unread_before: tuple[date | None, str | None] | None = None
    # the host is encoded but no provision covers the conduct and no verified absence
    # says its law holds none: `unsupported` for this conduct
    unread_conduct: bool = False
    # the host's provisions for this conduct were read only from this date (and why)
    conduct_unread_before: tuple[date, str] | None = None
    # likewise for the requesting state: (its code, start, note); requesting_outcome unsupported
    requesting_unread_before: tuple[str, date, str] | None = None
    # the requesting state (its code) is encoded, but its law for the conduct was not
    # (wholly) read and its encoded provisions say no: requesting_outcome unsupported
    requesting_unread_conduct: str | None = None
    # facts read differently on the requesting side (FactSpec.requesting)
    requesting_twins: tuple[tuple[str, str], ...] = ()

    def _explain(
        self,
        rows: tuple[Row, ...],
        facts: Mapping[str, Any],
        on: date,
        host: str,
        req: str,
        designation: str = "designated_in_host",
    ) -> tuple[ProvisionResult, ...]:
        label = (
            self.designation_label
            if designation == "designated_in_host"
            else self.requesting_designation_label
        )
        return tuple(
            explain_entry(
                entry,
                facts,
                on=on,
                host=host,
                requesting=req,
                designation_label=label,
                designation=designation,
            )
            for entry, _, _ in rows
        )

    def host_provisions(
        self, facts: Mapping[str, Any], on: date, host: str, requesting: str
    ) -> tuple[ProvisionResult, ...]:
        return self._explain(self.host_rows, facts, on, host, requesting)

    def requesting_provisions(
        self, facts: Mapping[str, Any], on: date, requesting: str
    ) -> tuple[ProvisionResult, ...]:
        results = self._explain(
            self.requesting_rows,
            as_requesting(facts, self.requesting_twins),
            on,
            requesting,
            requesting,
            "designated_in_requesting",
        )
        return tuple(_twin_names(r, self.requesting_twins) for r in results)

    def eu_layer(
        self, facts: Mapping[str, Any], on: date, requesting: str
    ) -> tuple[ProvisionResult, ...]:
        return self._explain(self.eu_rows, facts, on, "EU", requesting)

    def exclusions(self, facts: Mapping[str, Any]) -> tuple[ExclusionApplied, ...]:
        purpose = str(facts.get("purpose"))
        return tuple(
            ExclusionApplied(entry.provision.id, purpose, entry.excluded[purpose].source)
            for entry, status, _ in self.host_rows
            if status == "excluded"
        )

    def channels(self) -> tuple[RankedChannel, ...]:
        return tuple(row.ranked() for row in self.channel_rows)

    def channels_excluded(self, on: date) -> tuple[tuple[str, str], ...]:
        return tuple(
            (e.code, f"{e.reason} on {on}" if e.dated else e.reason) for e in self.excluded
        )

    def reasons(self, on: date, host: str, conduct: str) -> tuple[str, ...]:
        out = self._host_reasons(on, host, conduct)
        if self.requesting_unread_before is not None:
            requesting, start, note = self.requesting_unread_before
            out += (
                f"the law of {requesting} (requesting state) on {conduct} before {start} is not "
                f"encoded in the knowledge base ({note}): requesting_outcome unsupported, never "
                "a guess",
            )
        if self.requesting_unread_conduct is not None:
            requesting = self.requesting_unread_conduct
            out += (
                f"the encoded provisions of {requesting} (requesting state) do not cover this "
                f"{conduct} content, and its other offences for {conduct} were not read: "
                "requesting_outcome unsupported, never a guess",
            )
        return out

    def _host_reasons(self, on: date, host: str, conduct: str) -> tuple[str, ...]:
        if self.conduct_unread_before is not None:
            first, why_unread = self.conduct_unread_before
            return (
                f"the law of {host} on {conduct} before {first} is not encoded in the "
                f"knowledge base ({why_unread}): unsupported, never a guess",
            )
        if not self.encoded and self.unread_before is not None:
            start, note = self.unread_before
            why = f" ({note})" if note else ""
            return (
                f"the law of {host} before {start} is not encoded in the knowledge base{why}: "
                "unsupported, never a guess",
            )
        if not self.encoded:
            return (f"{host} has no encoding in the knowledge base: unsupported, never a guess",)
        if self.unread_conduct and self.host_rows:
            return (
                f"the encoded provisions of {host} do not cover this {conduct} content, but "
                f"other offences of {host} for {conduct} were not read: unsupported, never a "
                "guess",
            )
        if self.unread_conduct:
            return (
                f"no provision of {host} for {conduct} is encoded and the knowledge base does "
                "not record that its law was read and holds none: unsupported, never a guess",
            )
        out = []
        if self.outcome == "conditional" and "host_text_verified" in self.missing_facts:
            unread = [e.provision for e, status, _ in self.host_rows if status == "yes"]
            # a version may also name host_text_verified as an element, where which wording was in
            # force on the date is unknown (MT art. 82A between Act LXV of 2021 and 18.11.2025):
            # no low wording matches then, and saying so would be false
            out.append(
                "only provisions whose wording on the date is encoded with low confidence "
                "(not verified against its text) match: "
                + ", ".join(f"{p.citation} ({p.id})" for p in unread)
                + "; conditional until a lawyer reads the text (host_text_verified)"
                if unread
                else "which wording of the host's provision was in force on the date was not "
                "read: conditional until a lawyer confirms it holds the elements "
                "(host_text_verified)"
            )
        if not self.host_rows:
            out.append(f"no provision of {host} covers {conduct}")
        if self.eu_member:
            out.append(
                f"{host} is an EU member on {on}: the Directive's minimum rules explain its "
                "national provisions but do not by themselves establish dual criminality"
            )
        return tuple(out)


def _twin_names(result: ProvisionResult, twins: tuple[tuple[str, str], ...]) -> ProvisionResult:
    """On the requesting side a missing host-relative fact is asked by its twin's name (the
    user gives `group_in_requesting`, not `group_in_host`, for the requesting state's law)."""
    missing = requesting_names(result.missing_facts, twins)
    if missing is None:
        return result
    reason = result.reason
    for fact, twin in twins:
        reason = re.sub(rf"\b{fact}\b", twin, reason)
    return replace(result, reason=reason, missing_facts=missing)
