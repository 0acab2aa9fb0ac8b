"""Rank the channels a request may take (ASSESSMENT.md "Channels").

Weights are the vocabulary's priors (`prior_weight`), multiplied by the role
the jurisdiction plays for the item, a treaty boost, and a discount for
governmental channels while facts are missing. Tracked outcomes replace the
prior: when `channel_stats[(host, code)].count >= channel_stats.min_count`, the
observed success rate replaces `prior_weight` and the observed median days
replace `prior_days`. `threat_to_life` orders by speed first.

Invariant: no governmental channel unless dual criminality is `yes` or
`conditional`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from comity.law.assessment import ChannelStat, RankedChannel
from comity.law.model import ChannelOffer, Jurisdiction, KnowledgeBase, in_force

__all__ = ["rank_channels"]


def _authority(jur: Jurisdiction | None, ident: str | None) -> dict[str, str] | None:
    if jur is None or ident is None or ident not in jur.authorities:
        return None
    a = jur.authorities[ident]
    return {"id": a.id, "name": a.name, "name_en": a.name_en or a.name}


def _scope_ok(
    kb: KnowledgeBase, offer: ChannelOffer, conduct: str, facts: Mapping[str, Any], on: date
) -> tuple[bool | None, str]:
    """Does the content fall within the channel's scope definitions on the date?"""
    purpose = facts.get("purpose")
    excl = next((e for e in offer.exclusions if e.purpose == purpose), None)
    if excl is not None:
        return False, f"excluded purpose {purpose} ({excl.source.title})"
    if not offer.scope:
        return True, ""
    verdict: bool | None = False
    why = "the content is not within " + ", ".join(offer.scope)
    for ident in offer.scope:
        definition = kb.provisions_by_id.get(ident)
        if definition is None or conduct not in definition.conducts:
            continue
        version = definition.version_on(on)
        if version is None:
            why = f"{definition.citation} not applicable before {definition.versions[0].start}"
            continue
        excl = next((e for e in definition.exclusions if e.purpose == purpose), None)
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


def _offers(kb: KnowledgeBase, host_jur: Jurisdiction, on: date) -> list[ChannelOffer]:
    """The host's own offers in force, plus the EU layer's for a member state."""
    offers = [c for c in host_jur.channels if in_force(c.start, c.end, on)]
    eu = kb.jurisdictions.get("EU")
    if eu is not None and host_jur.code != "EU" and host_jur.member_of("EU", on):
        eu_offers = {c.code: c for c in eu.channels if in_force(c.start, c.end, on)}
        own = {c.code for c in offers}
        for index, offer in enumerate(offers):
            parent = eu_offers.get(offer.code)
            if (
                parent is not None and not offer.scope
            ):  # inherit art. 2(7) scope and art. 1(3) exclusions
                offers[index] = ChannelOffer(
                    offer.code,
                    offer.jurisdiction,
                    offer.authority,
                    offer.start,
                    offer.end,
                    offer.time_limit or parent.time_limit,
                    parent.scope,
                    offer.exclusions + parent.exclusions,
                    offer.source,
                    offer.legal_basis + parent.legal_basis,
                    offer.confidence,
                    offer.note,
                )
        offers.extend(c for code, c in eu_offers.items() if code not in own)
    return offers


def rank_channels(
    *,
    kb: KnowledgeBase,
    host_jur: Jurisdiction | None,
    host: str,
    requesting: str,
    conduct: str,
    facts: Mapping[str, Any],
    on: date,
    outcome: str,
    role: str,
    priority: str,
    channel_stats: Mapping[tuple[str, str], ChannelStat] | None,
) -> tuple[tuple[RankedChannel, ...], tuple[tuple[str, str], ...]]:
    vocab = kb.vocabulary
    specs = vocab.channels
    excluded: list[tuple[str, str]] = []
    if outcome in ("no", "unsupported"):
        why = (
            f"{host}'s law, as encoded, does not forbid this conduct (dual criminality: no)"
            if outcome == "no"
            else f"the knowledge base has no encoding of {host}: "
            "its law cannot be assessed, never guessed"
        )
        referral = specs["provider_referral"]
        out = (
            RankedChannel(
                "provider_referral",
                referral.label,
                False,
                f"terms-of-service request only: {why}; the provider may act under its own terms",
                None,
                None,
                referral.prior_weight,
                (),
                None,
            ),
            RankedChannel(
                "no_action",
                specs["no_action"].label,
                False,
                f"no governmental channel: {why}",
                None,
                None,
                0.0,
                (),
                None,
            ),
        )
        excluded = [
            (code, f"governmental channel barred: {why}")
            for code, spec in specs.items()
            if spec.governmental
        ]
        return out, tuple(excluded)
    assert host_jur is not None  # outcome yes/conditional implies an encoded host
    candidates: dict[str, tuple[ChannelOffer | None, list[str], list[str], float]] = {}
    for offer in _offers(kb, host_jur, on):
        ok, why = _scope_ok(kb, offer, conduct, facts, on)
        if ok is False:
            excluded.append((offer.code, why))
            continue
        reasons = [f"offered by {offer.jurisdiction}" + (f" ({why})" if why else "")]
        candidates.setdefault(offer.code, (offer, reasons, [], 1.0))
    for treaty in kb.treaties_by_party.get(host, ()):
        if (
            requesting in treaty.parties
            and in_force(treaty.start, treaty.end, on)
            and treaty.covers(conduct)
        ):
            for code in treaty.channels:
                known, reasons, basis, _ = candidates.get(code, (None, [], [], 1.0))
                reasons.append(f"treaty in force: {treaty.title}")
                candidates[code] = (known, reasons, [*basis, treaty.id], vocab.treaty_boost)
    for code, spec in specs.items():
        if spec.universal and code not in candidates:
            candidates[code] = (None, ["available to any state"], [], 1.0)
    for code, spec in specs.items():
        if spec.governmental and code not in candidates and not any(c == code for c, _ in excluded):
            excluded.append(
                (code, f"not offered by {host} nor by a treaty with {requesting} on {on}")
            )
    ranked: list[tuple[float, float, RankedChannel]] = []
    stats = channel_stats or {}
    for code, (chosen, reasons, basis, boost) in candidates.items():
        spec = specs[code]
        weight, days = spec.prior_weight, spec.prior_days
        if (
            chosen is not None
            and chosen.time_limit is not None
            and chosen.time_limit.in_hours is not None
        ):
            days = chosen.time_limit.in_hours / 24
        observed = stats.get((host, code))
        if observed is not None and observed.count >= vocab.stats_min_count:
            weight, days = observed.success_rate, observed.median_days
            reasons.append(
                f"observed: {observed.success_rate:.0%} success over {observed.count} "
                f"requests, median {observed.median_days:g} days"
            )
        weight *= vocab.roles.get(role, {}).get(code, 1.0) * boost
        if outcome == "conditional" and spec.governmental:
            weight *= vocab.conditional_factor
            reasons.append("only once the missing facts are shown")
        if code == "provider_referral":
            reasons.insert(0, "terms-of-service request")
        jur = kb.jurisdictions.get(chosen.jurisdiction) if chosen is not None else None
        ranked.append(
            (
                weight,
                days,
                RankedChannel(
                    code,
                    spec.label,
                    spec.governmental,
                    "; ".join(reasons),
                    _authority(jur, chosen.authority if chosen else None),
                    chosen.time_limit if chosen else None,
                    weight,
                    tuple(basis),
                    chosen.source if chosen else None,
                ),
            )
        )
    if priority == "threat_to_life":
        ranked.sort(key=lambda r: (r[1], -r[0], r[2].code))
    else:
        ranked.sort(key=lambda r: (-r[0], r[1], r[2].code))
    return tuple(r[2] for r in ranked), tuple(excluded)
