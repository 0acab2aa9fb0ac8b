"""The knowledge base in memory: frozen dataclasses built once by the loader."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from comity.law.orgs.model import Register

__all__ = [
    "Absence",
    "Authority",
    "ChannelOffer",
    "ChannelSpec",
    "Constraint",
    "ConstraintException",
    "Exclusion",
    "Expr",
    "FactSpec",
    "ImpliedFact",
    "Jurisdiction",
    "KnowledgeBase",
    "Leaf",
    "Membership",
    "Node",
    "NonParty",
    "OfficialText",
    "PartyEntry",
    "Passage",
    "Penalty",
    "Provision",
    "Reach",
    "SeriousCrime",
    "Source",
    "Standing",
    "TimeLimit",
    "Treaty",
    "TreatyArticle",
    "TreatyScope",
    "Version",
    "Vocabulary",
    "in_force",
]


def in_force(start: date | None, end: date | None, on: date) -> bool:
    """`from <= on <= to` with an open end (dates are inclusive, see the format)."""
    return (start is None or start <= on) and (end is None or on <= end)


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str
    gazette: str | None = None
    read_from: str | None = None
    # where the text read came from: official_gazette | official_portal |
    # official_translation | unofficial_copy (None: not recorded, older encodings)
    origin: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title, "url": self.url}
        if self.gazette:
            out["gazette"] = self.gazette
        if self.read_from:
            out["read_from"] = self.read_from
        if self.origin:
            out["origin"] = self.origin
        return out


@dataclass(frozen=True, slots=True)
class Leaf:
    fact: str
    label: str
    values: frozenset[str] | None = None  # None: a boolean fact that must be true
    # the words of the provision's `text` that hold this element (checked by the loader
    # to appear in the version's original text)
    quote: str | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage of a provision as read: verbatim in its language, with an English gloss."""

    lang: str
    original: str
    gloss: str
    ref: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"lang": self.lang, "original": self.original, "gloss": self.gloss}
        if self.ref:
            out["ref"] = self.ref
        return out


@dataclass(frozen=True, slots=True)
class Node:
    op: Literal["all", "any", "not"]
    children: tuple[Expr, ...]


Expr = Leaf | Node


@dataclass(frozen=True, slots=True)
class Penalty:
    text: str
    years: float | None = None
    life: bool = False


@dataclass(frozen=True, slots=True)
class Version:
    start: date
    end: date | None
    elements: Expr
    leaves: tuple[Leaf, ...]  # flattened, for explanations and the compare table
    max_penalty: Penalty | None = None
    text: tuple[Passage, ...] = ()  # the version's words as read (empty: not quoted yet)
    # what counts as a designation by the host for this version (its legal basis), when a
    # provision's designation basis changed over time; None: the vocabulary's label
    designation: str | None = None
    # the register's lists whose designation this version accepts (None: any list of the
    # host, and the EU's for a member, counts: the fallback rule); () names none recorded
    designation_lists: tuple[str, ...] | None = None
    # a designation on the provision's own state's lists counts only once final
    designation_final: bool = False
    # suffix of the per-provision designation fact the engine fills ("@US.FTO"), or None
    designation_key: str | None = None
    # how well this version was read: its own `confidence`, else its provision's (or
    # constraint's). A wording read verbatim from a safe lower-bound day is `high` while an
    # earlier wording of the same provision, or its unread first days, stay `medium`
    confidence: str = "high"
    note: str | None = None
    # precompiled three-valued evaluator: facts -> (True | False | None, unknown facts)
    check: Callable[[Mapping[str, Any]], tuple[bool | None, tuple[str, ...]]] = field(
        default=lambda facts: (None, ()), compare=False, repr=False
    )


@dataclass(frozen=True, slots=True)
class Exclusion:
    purpose: str
    source: Source
    note: str | None = None
    start: date | None = None  # an exclusion added to the law later is dated
    end: date | None = None


Check = Callable[[Mapping[str, Any]], tuple[bool | None, tuple[str, ...]]]


def _no_check(facts: Mapping[str, Any]) -> tuple[bool | None, tuple[str, ...]]:
    return None, ()


@dataclass(frozen=True, slots=True)
class Reach:
    """A general provision filed under one conduct that also reaches others.

    Why: conduct codes overlap in law (a public call to join a terrorist group is
    a public incitement to an offence). `requires` adds the elements that make the
    other conduct fall within the provision (e.g. a call to violence), if any.
    """

    conducts: frozenset[str]
    reason: str
    requires: Expr | None = None
    leaves: tuple[Leaf, ...] = ()
    check: Check | None = field(default=None, compare=False, repr=False)
    # the reach may be dated: the reached conduct may have become an offence only later
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class OfficialText:
    """How one language's official text cites a provision (see `Provision.official`)."""

    language: str
    citation: str
    title: str
    url: str
    read_from: str | None = None


@dataclass(frozen=True, slots=True)
class Provision:
    id: str
    jurisdiction: str
    citation: str
    title: str
    title_en: str | None
    source: Source
    kind: Literal["offence", "definition"]
    conducts: frozenset[str]
    protects: Literal["any", "host_state_only"]
    requires_host_designation: bool
    exclusions: tuple[Exclusion, ...]
    confidence: str
    note: str | None
    versions: tuple[Version, ...]
    reaches: tuple[Reach, ...] = ()
    # The language of `citation` and `title` (the file's `language`, else the
    # state's only official language; None when neither says), and the
    # citation and title in other official language versions read (Kazakh for
    # Kazakhstan, whose file cites in Russian): a letter cites in its language.
    language: str | None = None
    official: tuple[OfficialText, ...] = ()

    def version_on(self, on: date) -> Version | None:
        for version in self.versions:
            if in_force(version.start, version.end, on):
                return version
        return None

    def confidence_on(self, on: date) -> str:
        """The confidence of the wording that applies on `on`: the version in force, else
        (repealed, or not yet in force) the last version begun by then, else the first."""
        version = self.version_on(on)
        if version is None:
            begun = [v for v in self.versions if v.start <= on]
            version = begun[-1] if begun else (self.versions[0] if self.versions else None)
        return self.confidence if version is None else version.confidence

    @property
    def high_throughout(self) -> bool:
        """Every wording of the provision is `high` (not only the one in force today)."""
        return all(v.confidence == "high" for v in self.versions)

    def reach_for(self, conduct: str, on: date) -> Reach | None:
        """How the provision reaches, on a date, a conduct it is not filed under (None: it
        does not, or it is filed under it)."""
        if conduct in self.conducts:
            return None
        return next(
            (r for r in self.reaches if conduct in r.conducts and in_force(r.start, r.end, on)),
            None,
        )


@dataclass(frozen=True, slots=True)
class ConstraintException:
    """A case where the limit does not apply (e.g. speech coordinated with a designated
    organisation is not protected advocacy): the provision then stands on its elements."""

    id: str
    citation: str
    source: Source
    when: Expr
    leaves: tuple[Leaf, ...]
    applies_to: frozenset[str]  # provision ids; empty: every provision the limit applies to
    note: str | None = None
    check: Check = field(default=_no_check, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Constraint:
    id: str
    jurisdiction: str
    citation: str
    title: str
    source: Source
    conducts: frozenset[str]  # empty: every conduct the provisions are evaluated for
    confidence: str
    note: str | None
    versions: tuple[Version, ...]  # `elements` holds the constraint's `requires`
    applies_to: frozenset[str] = frozenset()  # the provision ids it limits
    exceptions: tuple[ConstraintException, ...] = ()

    def limits(self, provision: str, conduct: str) -> bool:
        return provision in self.applies_to and (not self.conducts or conduct in self.conducts)

    def version_on(self, on: date) -> Version | None:
        for version in self.versions:
            if in_force(version.start, version.end, on):
                return version
        return None


@dataclass(frozen=True, slots=True)
class Membership:
    org: str
    start: date
    end: date | None
    source: Source
    confidence: str = "high"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Authority:
    id: str
    name: str
    name_en: str | None
    roles: tuple[str, ...]
    source: Source
    address: str | None = None
    confidence: str = "high"
    note: str | None = None
    languages: tuple[str, ...] = ()  # languages it accepts requests in (empty: not recorded)
    form: str | None = None  # a required form of request, as its source states it
    # The days its designation holds (jurisdiction.yaml `from`/`to`): a removal-order
    # authority designated in 2023 is no addressee of a request dated 2022.
    start: date | None = None
    end: date | None = None

    def in_force(self, on: date) -> bool:
        return in_force(self.start, self.end, on)


@dataclass(frozen=True, slots=True)
class TimeLimit:
    text: str
    hours: float | None = None
    days: float | None = None
    source: Source | None = None
    # Whose clock it is (jurisdiction.yaml `runs_for`): "host_authority" (the
    # host's own limit to answer a request), "treaty" (the treaty's, for the
    # requested state) or "provider_after_order" (the provider's once it
    # receives an order or notice: no deadline for answering our request).
    runs_for: str = "provider_after_order"

    @property
    def in_hours(self) -> float | None:
        if self.hours is not None:
            return self.hours
        return None if self.days is None else self.days * 24


@dataclass(frozen=True, slots=True)
class ChannelOffer:
    """A channel a state offers to foreign requesters (jurisdiction.yaml)."""

    code: str
    jurisdiction: str
    authority: str | None
    start: date | None
    end: date | None
    time_limit: TimeLimit | None
    scope: tuple[str, ...]  # provision ids (usually `definition`s) the content must fall within
    exclusions: tuple[Exclusion, ...]
    source: Source
    legal_basis: tuple[Source, ...] = ()
    confidence: str = "high"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PartyEntry:
    """One state's period as a party: from entry into force for it to the last day
    (denunciation or withdrawal taking effect), both inclusive."""

    state: str
    start: date
    end: date | None
    source: Source
    confidence: str = "high"
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "from": self.start.isoformat(),
            "to": None if self.end is None else self.end.isoformat(),
            "confidence": self.confidence,
            "note": self.note,
            "source": self.source.to_json(),
        }


@dataclass(frozen=True, slots=True)
class NonParty:
    """A state recorded, from a source, as not party to the instrument."""

    state: str
    source: Source
    confidence: str = "high"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TreatyArticle:
    topic: str  # requests | central_authorities | mla | extradition | information_exchange | ...
    article: str
    text: str


@dataclass(frozen=True, slots=True)
class TreatyScope:
    """The content a treaty reaches for one conduct, where it is narrower than the conduct
    code (a counter-terrorism treaty reaches a threat only when it is terrorism as the
    treaty defines it, not a grudge threat): an element tree over the facts, each leaf
    quoting the treaty's own definition (its `articles`)."""

    elements: Expr
    leaves: tuple[Leaf, ...]
    check: Callable[[Mapping[str, Any]], tuple[bool | None, tuple[str, ...]]] = field(
        default=lambda facts: (None, ()), compare=False, repr=False
    )


@dataclass(frozen=True, slots=True)
class SeriousCrime:
    """A treaty that reaches only grave offences of the requesting state (UNTOC art. 3(1)(b)
    with art. 2(b): 'punishable by a maximum deprivation of liberty of at least four
    years'): for `conducts`, the requesting state's offence must carry at least `years`.
    `quote` holds the treaty's own words (its `articles`). `otherwise` names another
    offence the treaty covers whatever its penalty (UNTOC art. 3(1)(a): the art. 5
    participation offences), with its quote: where the register cannot rule it out, a
    lesser offence leaves the treaty conditional instead of refused."""

    years: float
    conducts: frozenset[str]
    article: str
    quote: str
    otherwise: tuple[str, str] | None = None  # (label, quote)


Standing = Literal["party", "not_yet", "ended", "non_party", "unknown"]


@dataclass(frozen=True, slots=True)
class Treaty:
    """One instrument of the treaty register (`knowledge/_treaties/<id>.yaml`)."""

    id: str
    title: str
    title_local: str | None
    kind: Literal["bilateral", "multilateral"]
    signed: date
    depositary: str | None
    provides: tuple[str, ...]
    articles: tuple[TreatyArticle, ...]
    channels: tuple[str, ...]
    source: Source
    parties: tuple[PartyEntry, ...]
    parties_complete: bool
    non_parties: tuple[NonParty, ...] = ()
    confidence: str = "high"
    note: str | None = None
    conducts: frozenset[str] | None = None  # None: every conduct
    in_force: date | None = None  # general entry into force
    signatories: frozenset[str] = frozenset()  # signed; bound only by a party entry
    open_to_all: bool = False  # any state may join (UN conventions); else only those named
    # conduct -> the content the treaty reaches for it; a conduct absent here is unconditioned
    scope: Mapping[str, TreatyScope] = field(default_factory=lambda: MappingProxyType({}))
    serious_crime: SeriousCrime | None = None  # a minimum penalty of the requesting offence

    def covers(self, conduct: str) -> bool:
        return self.conducts is None or conduct in self.conducts

    @property
    def states(self) -> frozenset[str]:
        """Every state the register mentions, party or not."""
        return frozenset(
            [
                *(p.state for p in self.parties),
                *(n.state for n in self.non_parties),
                *self.signatories,
            ]
        )

    def standing(self, state: str, on: date) -> tuple[Standing, PartyEntry | NonParty | None]:
        """Is `state` bound on `on`, and by which party entry (or why not)?"""
        entries = [p for p in self.parties if p.state == state]
        for entry in entries:
            if in_force(entry.start, entry.end, on):
                return "party", entry
        if entries:
            ended = [e for e in entries if e.end is not None and e.end < on]
            if ended and not any(e.start > on for e in entries):
                return "ended", max(ended, key=lambda e: e.start)
            return "not_yet", min((e for e in entries if e.start > on), key=lambda e: e.start)
        for non in self.non_parties:
            if non.state == state:
                return "non_party", non
        if self.parties_complete:
            return "non_party", None
        named = state in self.signatories
        return ("unknown", None) if named or self.open_to_all else ("non_party", None)


@dataclass(frozen=True, slots=True)
class Absence:
    """A conduct code the jurisdiction has no provision for: `verified` when the law was
    read and holds none, else not yet read (the engine treats both alike: no provision)."""

    conduct: str
    verified: bool
    note: str
    source: Source | None = None
    # a provision covers the conduct, but other offences for it were not read: a `no`
    # from the encoded provisions alone is not a reading (the engine says unsupported)
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    code: str
    name: str
    name_local: str | None
    legal_system: str
    languages: tuple[str, ...]
    memberships: tuple[Membership, ...]
    authorities: Mapping[str, Authority]
    channels: tuple[ChannelOffer, ...]
    treaties: tuple[Treaty, ...]
    provisions: tuple[Provision, ...]
    constraints: tuple[Constraint, ...]
    # Before this date the jurisdiction's law was not read: the engine answers
    # `unsupported` rather than `no` (a provision absent then may simply be unread).
    encoded_from: date | None = None
    encoded_from_note: str | None = None
    # Per conduct, a later start (conduct code -> (date, note)): the provisions for that
    # conduct were read only from that date, so before it the engine answers `unsupported`
    # for the conduct on both sides, never a `no` by omission of the earlier wording.
    conduct_encoded_from: Mapping[str, tuple[date, str]] = field(default_factory=dict)
    last_verified: date | None = None  # when the encoding was last checked against its texts
    absences: tuple[Absence, ...] = ()  # conduct codes with no provision, and why

    def encoded_on(self, on: date) -> bool:
        return self.encoded_from is None or on >= self.encoded_from

    def conduct_unread(self, conduct: str, on: date) -> tuple[date, str] | None:
        """(start, note) when this conduct's law is read only from a date after `on`."""
        start = self.conduct_encoded_from.get(conduct)
        return start if start is not None and on < start[0] else None

    def member_of(self, org: str, on: date) -> bool:
        return any(m.org == org and in_force(m.start, m.end, on) for m in self.memberships)

    def authority_on(self, authority_id: str | None, on: date) -> Authority | None:
        """The authority if its designation holds on `on` (None otherwise)."""
        found = self.authorities.get(authority_id or "")
        return found if found is not None and found.in_force(on) else None

    def authority_with_role(self, role: str, on: date) -> Authority | None:
        """The first authority holding `role` on `on`, in the file's order."""
        return next(
            (a for a in self.authorities.values() if role in a.roles and a.in_force(on)), None
        )


@dataclass(frozen=True, slots=True)
class ImpliedFact:
    """A fact that a conduct code implies (ASSESSMENT.md, principles): it holds
    without being given, unless it is given explicitly (then it is kept and the
    contradiction is flagged).

    With `when` (fact, value) instead of conducts, another fact implies it (the
    author's aim implies the general intent). Given against that fact, the two
    contradict each other and neither is more specific: both are set aside.
    """

    fact: str
    value: Any
    conducts: frozenset[str]
    reason: str
    when: tuple[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    type: Literal["bool", "string"]
    label: str
    values: tuple[str, ...] = ()
    # a fact that speaks of the HOST (the group is in the host state): on the requesting
    # state's own side the engine reads this other fact instead (the group is in the
    # requesting state); None: the fact means the same on both sides
    requesting: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    code: str
    label: str
    governmental: bool
    universal: bool
    prior_weight: float
    prior_days: float


@dataclass(frozen=True, slots=True)
class Vocabulary:
    conducts: Mapping[str, str]
    aimed_at_requesting_state: frozenset[str]
    facts: Mapping[str, FactSpec]
    excluded_purposes: tuple[str, ...]
    host_designation_label: str
    channels: Mapping[str, ChannelSpec]
    roles: Mapping[str, Mapping[str, float]]
    treaty_boost: float
    conditional_factor: float
    stats_min_count: int
    priorities: tuple[str, ...]
    organisations: Mapping[str, str]
    authority_roles: tuple[str, ...]
    legal_systems: tuple[str, ...]
    implied_facts: tuple[ImpliedFact, ...] = ()
    # (fact, the fact read in its place on the requesting side): see FactSpec.requesting
    requesting_twins: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    vocabulary: Vocabulary
    jurisdictions: Mapping[str, Jurisdiction]
    digest: str
    root: str
    # the engine's indexes: (jurisdiction, conduct) -> offences filed under the conduct,
    # then general ones reaching it; definitions by id; (jurisdiction, provision id) ->
    # the constraints that limit that provision
    offences: Mapping[tuple[str, str], tuple[Provision, ...]] = field(repr=False)
    definitions: Mapping[str, Provision] = field(repr=False)
    constraints: Mapping[tuple[str, str], tuple[Constraint, ...]] = field(repr=False)
    treaties: tuple[Treaty, ...] = field(repr=False)
    treaties_by_party: Mapping[str, tuple[Treaty, ...]] = field(repr=False)
    provisions_by_id: Mapping[str, Provision] = field(repr=False)
    # the organisations register (knowledge/_organisations/), empty when the KB has none
    register: Register = field(default_factory=lambda: _empty_register(), repr=False)
    # the engine's precomputed plans and result cache (comity.law._index), filled lazily
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def _empty_register() -> Register:
    from comity.law.orgs.model import Register  # the register's model imports this module

    return Register.empty()
