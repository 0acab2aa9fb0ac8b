"""Precomputed plans of the engine: what applies per jurisdiction, conduct and period.

Why: every date-dependent question the engine asks ("is this version, this
membership, this channel, this treaty in force?") changes its answer only on a
date written in the knowledge base (a `from`, or the day after a `to`). Those
dates cut time into periods ("buckets"); within one bucket every answer is the
same, so the provisions, constraints, channel offers and treaties that apply
are computed once per bucket, on first use, and reused for every date in it.
Nothing here depends on the facts of a case.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from comity.law.elements import Check, compile_check
from comity.law.model import (
    Authority,
    ChannelOffer,
    ChannelSpec,
    Constraint,
    ConstraintException,
    Exclusion,
    Jurisdiction,
    KnowledgeBase,
    Node,
    Provision,
    Reach,
    Version,
    in_force,
)
from comity.law.treaties import (
    RequestingPenalty,
    TreatyCheck,
    check_treaty,
    concerns,
    within_penalty,
    within_scope,
)

__all__ = ["ADDRESSEE_ROLE", "ChannelPlan", "Entry", "Index", "Limit", "OfferPlan", "index_of"]


class Limit(NamedTuple):
    """A constraint in force that limits one provision, with the exceptions that lift it."""

    constraint: Constraint
    version: Version
    exceptions: tuple[ConstraintException, ...]  # those applying to this provision
    check: Check  # the limit's `requires`, or any of its exceptions, holds


@dataclass(frozen=True, slots=True, eq=False)
class Entry:
    """One provision as it stands in one bucket for one conduct, with its limits."""

    provision: Provision
    version: Version | None  # None: not in force in this bucket
    constraints: tuple[Limit, ...]
    excluded: MappingProxyType[str, Exclusion]  # purpose -> first exclusion in force naming it
    reach: Reach | None = None  # set when the provision is general and filed under another code

    @property
    def confidence(self) -> str:
        """The confidence of the wording applied in this bucket (the version's own, which
        defaults to the provision's); the provision's when none is in force."""
        return self.provision.confidence if self.version is None else self.version.confidence


@dataclass(frozen=True, slots=True, eq=False)
class OfferPlan:
    """A channel offer in one bucket, with its scope definitions resolved for one conduct."""

    offer: ChannelOffer
    excluded: MappingProxyType[str, Exclusion]
    # (definition, its version or None, its purpose -> exclusion) for the conduct
    scope: tuple[tuple[Provision, Version | None, MappingProxyType[str, Exclusion]], ...]
    authority: dict[str, str] | None


@dataclass(frozen=True, slots=True, eq=False)
class ChannelPlan:
    offers: tuple[OfferPlan, ...]
    treaties: tuple[TreatyCheck, ...]  # every treaty naming either state, for the conduct
    universal: tuple[tuple[str, ChannelSpec], ...]
    governmental: tuple[str, ...]
    # the host's MLA central authority: the addressee of a treaty-founded request
    central_authority: dict[str, str] | None = None
    # (governmental channel, the role no authority of the host holds): no addressee
    unaddressed: tuple[tuple[str, str], ...] = ()
    # (channel, why): universal channels the host cannot receive at all
    barred: tuple[tuple[str, str], ...] = ()


# Who receives each governmental channel: an authority with this role, or the
# authority the host's offer names (comity.dossiers.build addresses it the same way).
ADDRESSEE_ROLE: MappingProxyType[str, str] = MappingProxyType(
    {
        "diplomatic_request": "foreign_ministry",
        "mla_request": "mla_central_authority",
        "eu_removal_order_request": "removal_order_authority",
    }
)


def _unaddressed(jur: Jurisdiction, on: date) -> tuple[tuple[str, str], ...]:
    """The governmental channels of `jur` for which the knowledge base names no addressee
    whose designation holds on `on`."""
    named = {
        o.code
        for o in jur.channels
        if in_force(o.start, o.end, on) and jur.authority_on(o.authority, on) is not None
    }
    return tuple(
        (code, role)
        for code, role in ADDRESSEE_ROLE.items()
        if code not in named and jur.authority_with_role(role, on) is None
    )


def _named(a: Authority) -> dict[str, str]:
    """An addressee as the answer shows it, with how surely the knowledge base knows it:
    a dossier to a `low` authority is checked before it is sent."""
    return {"id": a.id, "name": a.name, "name_en": a.name_en or a.name, "confidence": a.confidence}


def _excluded(exclusions: tuple[Exclusion, ...], on: date) -> MappingProxyType[str, Exclusion]:
    out: dict[str, Exclusion] = {}
    for e in exclusions:
        if in_force(e.start, e.end, on):
            out.setdefault(e.purpose, e)  # the first one wins, as `next(...)` did
    return MappingProxyType(out)


def _limit(constraint: Constraint, version: Version, provision: str) -> Limit:
    exceptions = tuple(
        e for e in constraint.exceptions if not e.applies_to or provision in e.applies_to
    )
    if not exceptions:
        return Limit(constraint, version, (), version.check)
    either = Node("any", (version.elements, *(e.when for e in exceptions)))
    return Limit(constraint, version, exceptions, compile_check(either))


def _breaks(kb: KnowledgeBase) -> tuple[date, ...]:
    """Every date on which some in-force answer may change."""
    found: set[date] = set()

    def add(start: date | None, end: date | None) -> None:
        if start is not None:
            found.add(start)
        if end is not None and end < date.max:
            found.add(end + timedelta(days=1))

    for jur in kb.jurisdictions.values():
        add(jur.encoded_from, None)
        for start, _ in jur.conduct_encoded_from.values():
            add(start, None)
        for m in jur.memberships:
            add(m.start, m.end)
        for a in jur.authorities.values():
            add(a.start, a.end)
        for c in jur.channels:
            add(c.start, c.end)
            for e in c.exclusions:
                add(e.start, e.end)
        for p in jur.provisions:
            for e in p.exclusions:
                add(e.start, e.end)
            for r in p.reaches:
                add(r.start, r.end)
        for versions in (
            *(p.versions for p in jur.provisions),
            *(c.versions for c in jur.constraints),
        ):
            for v in versions:
                add(v.start, v.end)
    for t in kb.treaties:
        add(t.signed, None)  # before signature a treaty is refused
        add(t.in_force, None)  # and before its general entry into force
        for entry in t.parties:
            add(entry.start, entry.end)
    return tuple(sorted(found))


class Index:
    """The per-bucket plans of one knowledge base, filled lazily (thread-safe enough:
    two threads racing on a miss compute equal values and one of them is kept)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.breaks = _breaks(kb)
        self._entries: dict[tuple[str, str, int], tuple[Entry, ...]] = {}
        self._eu: dict[tuple[str, int], bool] = {}
        self._offers: dict[tuple[str, int], tuple[ChannelOffer, ...]] = {}
        self._channels: dict[tuple[str, str, str, int], ChannelPlan] = {}
        self._treaties: dict[tuple[str, str, str, int], tuple[TreatyCheck, ...]] = {}
        # (host, requesting, conduct, bucket, the values of the facts the scopes read) ->
        # the checks with the treaties' scopes applied. One object per outcome, so an
        # assessment made twice is equal (TreatyCheck compares by identity), and the scope
        # is evaluated once per combination of the few facts it reads, not per assessment
        self._scoped: dict[tuple[Any, ...], tuple[TreatyCheck, ...]] = {}
        self._scope_facts: dict[tuple[str, str, str, int], tuple[str, ...]] = {}
        # (the scoped checks, conduct, the requesting offence's penalty) -> the checks with
        # the treaties' minimum penalties applied; one object per outcome, as above
        self._penalised: dict[tuple[Any, ...], tuple[TreatyCheck, ...]] = {}
        specs = kb.vocabulary.channels
        self.universal = tuple((code, s) for code, s in specs.items() if s.universal)
        self.governmental = tuple(code for code, s in specs.items() if s.governmental)

    def bucket(self, on: date) -> int:
        return bisect_right(self.breaks, on)

    def entries(self, jur: str, conduct: str, bucket: int, on: date) -> tuple[Entry, ...]:
        key = (jur, conduct, bucket)
        found = self._entries.get(key)
        if found is None:
            kb = self.kb
            found = tuple(
                Entry(
                    p,
                    p.version_on(on),
                    tuple(
                        _limit(c, v, p.id)
                        for c in kb.constraints.get((jur, p.id), ())
                        if c.limits(p.id, conduct) and (v := c.version_on(on)) is not None
                    ),
                    _excluded(p.exclusions, on),
                    reach,
                )
                for p in kb.offences.get((jur, conduct), ())
                # a general provision counts for a conduct it reaches only while the reach holds
                if (reach := p.reach_for(conduct, on)) is not None or conduct in p.conducts
            )
            self._entries[key] = found
        return found

    def eu_member(self, host: str, bucket: int, on: date) -> bool:
        key = (host, bucket)
        found = self._eu.get(key)
        if found is None:
            jur = self.kb.jurisdictions.get(host)
            found = (
                host != "EU"
                and "EU" in self.kb.jurisdictions
                and jur is not None
                and jur.member_of("EU", on)
            )
            self._eu[key] = found
        return found

    def channel_plan(
        self, host: str, requesting: str, conduct: str, bucket: int, on: date
    ) -> ChannelPlan:
        key = (host, requesting, conduct, bucket)
        found = self._channels.get(key)
        if found is None:
            found = self._channel_plan(host, requesting, conduct, bucket, on)
            self._channels[key] = found
        return found

    def _channel_plan(
        self, host: str, requesting: str, conduct: str, bucket: int, on: date
    ) -> ChannelPlan:
        kb = self.kb
        offers = []
        for offer in self._host_offers(host, bucket, on):
            scope = []
            for ident in offer.scope:
                definition = kb.provisions_by_id.get(ident)
                if definition is None or conduct not in definition.conducts:
                    continue
                scope.append(
                    (
                        definition,
                        definition.version_on(on),
                        _excluded(definition.exclusions, on),
                    )
                )
            jur = kb.jurisdictions.get(offer.jurisdiction)
            a = jur.authority_on(offer.authority, on) if jur is not None else None
            authority = _named(a) if a is not None else None
            offers.append(
                OfferPlan(offer, _excluded(offer.exclusions, on), tuple(scope), authority)
            )
        treaties = self.treaty_checks(host, requesting, conduct, bucket, on)
        found = kb.jurisdictions[host].authority_with_role("mla_central_authority", on)
        central = _named(found) if found is not None else None
        universal = self.universal
        barred: tuple[tuple[str, str], ...] = ()
        if kb.jurisdictions[host].legal_system == "supranational":
            # A note verbale goes from one state's foreign ministry to another's: a union
            # of states is not its addressee, its member states are (each assessed as host).
            why = (
                f"{host} is not a state: a request from government to government goes to "
                "the foreign ministry of the member state where the content is hosted "
                "(assess that state as host)"
            )
            to_state = {c for c, role in ADDRESSEE_ROLE.items() if role == "foreign_ministry"}
            barred = tuple((code, why) for code, _ in universal if code in to_state)
            universal = tuple(u for u in universal if u[0] not in to_state)
        return ChannelPlan(
            tuple(offers),
            treaties,
            universal,
            self.governmental,
            central,
            _unaddressed(kb.jurisdictions[host], on),
            barred,
        )

    def treaty_checks(
        self, host: str, requesting: str, conduct: str, bucket: int, on: date
    ) -> tuple[TreatyCheck, ...]:
        """Every register treaty naming the host or the requesting state, or open to any
        state, and covering the conduct, with its status between the two in this bucket."""
        key = (host, requesting, conduct, bucket)
        found = self._treaties.get(key)
        if found is None:
            by_party = self.kb.treaties_by_party
            # a convention any state may join (UN) is a question between every pair: where
            # the register records neither state, its status is `conditional`, never absent
            named = {t.id: t for t in self.kb.treaties if t.open_to_all}
            named.update(
                {t.id: t for t in (*by_party.get(requesting, ()), *by_party.get(host, ()))}
            )
            found = tuple(
                check_treaty(t, host, requesting, on)
                for _, t in sorted(named.items())
                if t.covers(conduct) and concerns(t, host, requesting)
            )
            self._treaties[key] = found
        return found

    def scoped_treaty_checks(
        self,
        host: str,
        requesting: str,
        conduct: str,
        bucket: int,
        on: date,
        facts: Mapping[str, Any],
    ) -> tuple[TreatyCheck, ...]:
        """`treaty_checks` with each treaty's scope for the conduct applied to the facts."""
        checks = self.treaty_checks(host, requesting, conduct, bucket, on)
        base = (host, requesting, conduct, bucket)
        read = self._scope_facts.get(base)
        if read is None:
            names = {
                leaf.fact
                for c in checks
                if conduct in c.treaty.scope
                for leaf in c.treaty.scope[conduct].leaves
            }
            read = self._scope_facts[base] = tuple(sorted(names))
        if not read:
            return checks
        key = (*base, *(facts.get(name) for name in read))
        found = self._scoped.get(key)
        if found is None:
            found = self._scoped[key] = within_scope(checks, conduct, facts)
        return found

    @staticmethod
    def reads_penalty(checks: tuple[TreatyCheck, ...], conduct: str) -> bool:
        """Does a treaty here reach only grave offences of the requesting state?"""
        return any(
            c.treaty.serious_crime is not None and conduct in c.treaty.serious_crime.conducts
            for c in checks
        )

    def penalised_treaty_checks(
        self, checks: tuple[TreatyCheck, ...], conduct: str, penalty: RequestingPenalty
    ) -> tuple[TreatyCheck, ...]:
        """`checks` with each treaty's minimum penalty of the requesting offence applied."""
        key = (checks, conduct, penalty)
        found = self._penalised.get(key)
        if found is None:
            found = self._penalised[key] = within_penalty(checks, conduct, penalty)
        return found

    def _host_offers(self, host: str, bucket: int, on: date) -> tuple[ChannelOffer, ...]:
        """The host's own offers in force, plus the EU layer's for a member state."""
        key = (host, bucket)
        found = self._offers.get(key)
        if found is not None:
            return found
        kb = self.kb
        host_jur = kb.jurisdictions[host]
        offers = [c for c in host_jur.channels if in_force(c.start, c.end, on)]
        eu = kb.jurisdictions.get("EU")
        if eu is not None and host != "EU" and host_jur.member_of("EU", on):
            eu_offers = {c.code: c for c in eu.channels if in_force(c.start, c.end, on)}
            own = {c.code for c in offers}
            for index, offer in enumerate(offers):
                parent = eu_offers.get(offer.code)
                if parent is not None and not offer.scope:
                    # inherit art. 2(7) scope and art. 1(3) exclusions
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
        found = tuple(offers)
        self._offers[key] = found
        return found


def index_of(kb: KnowledgeBase) -> Index:
    """The knowledge base's index, built on first use and kept with it."""
    found = kb.memo.get("index")
    if found is None:
        found = kb.memo.setdefault("index", Index(kb))
    return found  # type: ignore[no-any-return]
