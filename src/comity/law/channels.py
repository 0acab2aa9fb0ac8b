"""Rank the channels a request may take (ASSESSMENT.md "Channels").

Weights are the vocabulary's priors (`prior_weight`), multiplied by the role
the jurisdiction plays for the item, a treaty boost, and a discount for
governmental channels while facts are missing. Tracked outcomes replace the
prior: when `channel_stats[(host, code)].count >= channel_stats.min_count`, the
observed success rate replaces `prior_weight` and the observed median days
replace `prior_days`. `threat_to_life` and `crisis` order by speed first.

Invariant: no governmental channel unless dual criminality is `yes` or
`conditional`.

`rank_channels` returns compact rows (`ChannelRow`); `RankedChannel`s with
their joined reasons are made from them only when an assessment is shown.
Dates never enter a row: the one reason naming the date is marked and
completed by the assessment (`Excluded.dated`), so rows can be shared by every
date of a knowledge-base period.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from comity.law._index import ADDRESSEE_ROLE, ChannelPlan, OfferPlan
from comity.law.assessment import ChannelStat, RankedChannel
from comity.law.model import ChannelSpec, Source, TimeLimit, Vocabulary

__all__ = ["ADDRESSEE_ROLE", "ChannelRow", "Excluded", "rank_channels", "refused_channels"]

# Priorities for which the quickest channel comes first (see _vocabulary.yaml).
_SPEED_FIRST = frozenset({"threat_to_life", "crisis"})


class ChannelRow(NamedTuple):
    code: str
    label: str
    governmental: bool
    reasons: tuple[str, ...]
    authority: dict[str, str] | None
    time_limit: TimeLimit | None
    weight: float
    basis: tuple[str, ...]
    source: Source | None
    conditions: tuple[str, ...] = ()  # treaties of uncertain standing it rests on

    def ranked(self) -> RankedChannel:
        return RankedChannel(
            self.code,
            self.label,
            self.governmental,
            "; ".join(self.reasons),
            None if self.authority is None else dict(self.authority),  # the plan's stays intact
            self.time_limit,
            self.weight,
            self.basis,
            self.source,
            self.conditions,
        )


class Excluded(NamedTuple):
    code: str
    reason: str
    dated: bool  # True: the reason ends with " on <date>", added by the assessment


def _scope_ok(plan: OfferPlan, facts: Mapping[str, Any]) -> tuple[bool | None, str]:
    """Does the content fall within the channel's scope definitions (in this period)?"""
    purpose = facts.get("purpose")
    excl = plan.excluded.get(purpose) if plan.excluded and purpose is not None else None
    if excl is not None:
        return False, f"excluded purpose {purpose} ({excl.source.title})"
    offer = plan.offer
    if not offer.scope:
        return True, ""
    verdict: bool | None = False
    why = "the content is not within " + ", ".join(offer.scope)
    for definition, version, excluded in plan.scope:
        if version is None:
            why = f"{definition.citation} not applicable before {definition.versions[0].start}"
            continue
        excl = excluded.get(purpose) if excluded and purpose is not None else None
        if excl is not None:
            why = f"excluded purpose {purpose} ({excl.source.title})"
            continue
        value, unknown = version.check(facts)
        if value is True:
            return True, f"within {definition.citation}"
        if value is None:
            verdict = None
            why = f"within {definition.citation} if: " + ", ".join(dict.fromkeys(unknown))
    return verdict, why


def refused_channels(
    *, specs: Mapping[str, ChannelSpec], host: str, outcome: str, encoded: bool = False
) -> tuple[tuple[ChannelRow, ...], tuple[Excluded, ...]]:
    """The channels of a `no` or `unsupported` outcome: never a governmental one.

    `encoded`: the host's law is in the knowledge base on the date, but not (wholly)
    read for this content (a partly read or unread conduct), which is a different
    reason from a state the knowledge base does not hold at all."""
    if outcome == "no":
        why = f"{host}'s law, as encoded, does not forbid this conduct (dual criminality: no)"
    elif encoded:
        why = (
            f"{host}'s law for this content was not (wholly) read into the knowledge base: "
            "it cannot be assessed, never guessed"
        )
    else:
        why = (
            f"the knowledge base has no encoding of {host}: "
            "its law cannot be assessed, never guessed"
        )
    referral = specs["provider_referral"]
    rows = (
        ChannelRow(
            "provider_referral",
            referral.label,
            False,
            (f"terms-of-service request only: {why}; the provider may act under its own terms",),
            None,
            None,
            referral.prior_weight,
            (),
            None,
        ),
        ChannelRow(
            "no_action",
            specs["no_action"].label,
            False,
            (f"no governmental channel: {why}",),
            None,
            None,
            0.0,
            (),
            None,
        ),
    )
    excluded = tuple(
        Excluded(code, f"governmental channel barred: {why}", False)
        for code, spec in specs.items()
        if spec.governmental
    )
    return rows, excluded


def rank_channels(
    *,
    plan: ChannelPlan,
    vocab: Vocabulary,
    host: str,
    requesting: str,
    facts: Mapping[str, Any],
    outcome: str,
    role: str,
    priority: str,
    channel_stats: Mapping[tuple[str, str], ChannelStat] | None,
) -> tuple[tuple[ChannelRow, ...], tuple[Excluded, ...]]:
    """Ranked channels for a `yes` or `conditional` outcome, and those excluded."""
    specs = vocab.channels
    excluded: list[Excluded] = []
    candidates: dict[str, tuple[OfferPlan | None, list[str], list[str], float]] = {}
    for offer_plan in plan.offers:
        ok, why = _scope_ok(offer_plan, facts)
        code = offer_plan.offer.code
        if ok is False:
            excluded.append(Excluded(code, why, False))
            continue
        reasons = [f"offered by {offer_plan.offer.jurisdiction}" + (f" ({why})" if why else "")]
        candidates.setdefault(code, (offer_plan, reasons, [], 1.0))
    refused: dict[str, list[str]] = {}
    conditions: dict[str, list[str]] = {}
    uncertain: dict[str, list[str]] = {}  # treaties of uncertain standing, worded per row
    for check in plan.treaties:
        treaty = check.treaty
        for code in treaty.channels:
            known, reasons, basis, boost = candidates.get(code, (None, [], [], 1.0))
            if check.status == "in_force":
                reasons.append(f"treaty in force: {treaty.title} ({check.reason})")
                candidates[code] = (known, reasons, [*basis, treaty.id], vocab.treaty_boost)
            elif check.status == "conditional":
                uncertain.setdefault(code, []).append(f"{treaty.title}: {check.reason}")
                candidates[code] = (known, reasons, basis, boost)
                conditions.setdefault(code, []).append(f"{treaty.id}: {check.reason}")
            else:
                refused.setdefault(code, []).append(f"{treaty.title}: {check.reason}")
    for code, why in plan.barred:
        candidates.pop(code, None)  # not even a treaty makes a union of states its addressee
        excluded.append(Excluded(code, why, False))
    for code, _spec in plan.universal:
        if code not in candidates:
            candidates[code] = (None, ["available to any state"], [], 1.0)
    for code in plan.governmental:
        if code not in candidates and not any(e.code == code for e in excluded):
            why = f"not offered by {host} nor by a treaty in force with {requesting}"
            if code in refused:
                why += " (" + "; ".join(refused[code]) + ")"
            excluded.append(Excluded(code, why, True))
    ranked: list[tuple[float, float, ChannelRow]] = []
    multipliers = vocab.roles.get(role, {})
    for code, (chosen, reasons, basis, boost) in candidates.items():
        # founded by a treaty in force, one of uncertain standing is only a second
        # possible basis: the reason must not read as if the channel hung on it
        prefix = "also possible under " if basis else "conditional on "
        reasons.extend(prefix + why for why in uncertain.get(code, ()))
        spec = specs[code]
        weight, days = spec.prior_weight, spec.prior_days
        offer = chosen.offer if chosen is not None else None
        limit = offer.time_limit if offer is not None else None
        if limit is not None and limit.in_hours is not None:
            days = limit.in_hours / 24
        observed = channel_stats.get((host, code)) if channel_stats else None
        if observed is not None and observed.count >= vocab.stats_min_count:
            weight, days = observed.success_rate, observed.median_days
            reasons.append(
                f"observed: {observed.success_rate:.0%} success over {observed.count} "
                f"requests, median {observed.median_days:g} days"
            )
        weight *= multipliers.get(code, 1.0) * boost
        if outcome == "conditional" and spec.governmental:
            weight *= vocab.conditional_factor
            reasons.append("only once the missing facts are shown")
        authority = chosen.authority if chosen is not None else None
        if chosen is None and (basis or code in conditions) and spec.governmental:
            authority = plan.central_authority  # a treaty request goes to the central authority
        if chosen is None and not basis and code in conditions:
            weight *= vocab.conditional_factor  # founded only by a treaty of uncertain standing
        if code == "provider_referral":
            reasons.insert(0, "terms-of-service request")
        missing = next((r for c, r in plan.unaddressed if c == code), None)
        if missing is not None:
            reasons.append(
                f"no addressee: the knowledge base names no {missing} of {host}, so a dossier "
                "on this channel is refused until one is recorded"
            )
        row = ChannelRow(
            code,
            spec.label,
            spec.governmental,
            tuple(reasons),
            authority,
            limit,
            weight,
            tuple(basis),
            offer.source if offer is not None else None,
            () if basis else tuple(conditions.get(code, ())),
        )
        ranked.append((weight, days, row))
    if priority in _SPEED_FIRST:
        ranked.sort(key=lambda r: (r[1], -r[0], r[2].code))
    else:
        ranked.sort(key=lambda r: (-r[0], r[1], r[2].code))
    return tuple(r[2] for r in ranked), tuple(excluded)
