"""The plain, frozen data a request dossier is rendered from.

The database side (grouping approved proposals, issuing, reference numbers)
builds a `Dossier` and hands it to `comity.dossiers.render`; the renderers never
see the database. Every check that would otherwise produce a broken or
misleading document happens here, at construction time, so that a `Dossier`
that exists is a dossier that can be sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, get_args

from comity.core.errors import BadInput, Refused
from comity.dossiers.languages import template_languages

__all__ = [
    "ACTIONS",
    "KINDS",
    "LANGUAGES",
    "PRIORITIES",
    "SEALED_KINDS",
    "Action",
    "Dossier",
    "DossierItem",
    "DossierKind",
    "Hosting",
    "Language",
    "Party",
    "PortalField",
    "PortalRoute",
    "Priority",
    "Provision",
    "Seal",
    "TreatyBasis",
    "check_non_disclosure",
]

DossierKind = Literal[
    "note_verbale",
    "eu_removal_order",
    "eu_coordinator",
    "provider_referral",
    "letter_of_request",
    "portal_referral",
]
# An ISO 639-1 code with a reviewed text file (`comity.dossiers.languages`).
Language = str
Priority = Literal["threat_to_life", "crisis", "standard"]
Action = Literal["removal", "disabling_of_access", "preservation_of_data"]
Channel = Literal[
    "diplomatic_request", "mla_request", "eu_removal_order_request", "provider_referral"
]
PartyRole = Literal["authority", "provider", "coordinator"]

KINDS: tuple[str, ...] = get_args(DossierKind)
LANGUAGES: tuple[str, ...] = template_languages()
PRIORITIES: tuple[str, ...] = get_args(Priority)
ACTIONS: tuple[str, ...] = get_args(Action)

# Which channels each document kind serves (ASSESSMENT.md "Channels").
_KIND_CHANNELS: dict[str, frozenset[str]] = {
    "note_verbale": frozenset({"diplomatic_request", "mla_request"}),
    "eu_removal_order": frozenset({"eu_removal_order_request"}),
    "eu_coordinator": frozenset({"diplomatic_request"}),
    "provider_referral": frozenset({"provider_referral"}),
    "letter_of_request": frozenset({"mla_request"}),
    # A referral typed into the platform's own web form: same channel, other medium.
    "portal_referral": frozenset({"provider_referral"}),
}
_REFERRALS = frozenset({"provider_referral", "portal_referral"})
# Documents signed and sealed by a state authority: each states its place of
# issue and carries a seal-and-initials block (diplomatic and MLA practice).
SEALED_KINDS = frozenset(
    {"note_verbale", "eu_removal_order", "eu_coordinator", "letter_of_request"}
)
_SHA256 = re.compile(r"[0-9a-f]{64}")
# ISO 3166-1 alpha-2 shape; `EU` names the Union's own layer (ASSESSMENT.md).
_COUNTRY = re.compile(r"[A-Z]{2}")
_CONDUCT = re.compile(r"[a-z_]+\.[a-z_]+")
_LANG = re.compile(r"[a-z]{2}")
# Control characters other than tab/newline would corrupt CSV, XML (DOCX) and
# e-mail headers; they have no business in any field of a legal document.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional embeddings, overrides and isolates (Unicode 15.1, UAX #9 §2):
# one in a name or in staff's words would reorder the fixed text after it
# ("Trojan Source", CVE-2021-42574). Right-to-left text itself is welcome;
# the left-to-right and right-to-left marks (U+200E, U+200F) are harmless.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _text(value: str, where: str, *, required: bool = True, single_line: bool = True) -> None:
    if not isinstance(value, str):
        raise BadInput(f"{where}: expected text, got {type(value).__name__}", field=where)
    if required and not value.strip():
        raise BadInput(f"{where}: must not be empty", field=where)
    if _CONTROL.search(value) or (single_line and ("\n" in value or "\r" in value)):
        raise BadInput(f"{where}: contains control characters or line breaks", field=where)
    if _BIDI_CONTROL.search(value):
        raise BadInput(
            f"{where}: contains a bidirectional override or isolate (U+202A-U+202E, "
            "U+2066-U+2069), which would reorder the text around it; remove it",
            field=where,
        )


def _country(value: str, where: str) -> None:
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise BadInput(
            f"{where}: {value!r} is not an ISO 3166-1 alpha-2 code (e.g. 'DE', 'GB')",
            field=where,
        )


@dataclass(frozen=True, slots=True)
class Party:
    """A sender or addressee: an authority, a provider or platform, or a coordinator.

    `name_dative` is the name in the dative case, needed where the language
    inflects (Kazakh, Russian): a note verbale "presents its compliments to"
    the addressee, and a wrong case is not acceptable in a diplomatic text.
    """

    name: str
    country: str
    role: PartyRole = "authority"
    name_dative: str = ""
    # The name as the subject of a sentence, with its article where the
    # language has one ("Das Ministerium ...", "Le Ministère ..."), and the
    # possessive that refers back to it ("seine"/"ihre", "zijn"/"haar"): a
    # note verbale opens "X presents its compliments to Y".
    name_subject: str = ""
    possessive: str = ""
    department: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""

    def __post_init__(self) -> None:
        _text(self.name, "party.name")
        _country(self.country, "party.country")
        if self.role not in get_args(PartyRole):
            raise BadInput(f"party.role: {self.role!r}; valid: {', '.join(get_args(PartyRole))}")
        for name in (
            "name_dative",
            "name_subject",
            "possessive",
            "department",
            "address",
            "email",
            "phone",
        ):
            _text(getattr(self, name), f"party.{name}", required=False)


@dataclass(frozen=True, slots=True)
class Provision:
    """A provision of law as the knowledge base cites it, with its official source."""

    id: str
    citation: str
    source: str
    jurisdiction: str
    title: str = ""
    elements_matched: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _text(self.id, "provision.id")
        _text(self.citation, f"provision {self.id!r}: citation")
        if not isinstance(self.source, str) or not self.source.strip():
            # A provision nobody can look up cannot found a request to a state.
            raise Refused(
                f"provision {self.id!r} has no source: every provision cited in a dossier "
                "must name its official text"
            )
        _text(self.source, f"provision {self.id!r}: source")
        if self.jurisdiction != "EU":
            _country(self.jurisdiction, f"provision {self.id!r}: jurisdiction")
        _text(self.title, f"provision {self.id!r}: title", required=False)
        for element in self.elements_matched:
            _text(element, f"provision {self.id!r}: elements_matched")


@dataclass(frozen=True, slots=True)
class Hosting:
    """Where an item was attributed at issue time."""

    ip: str
    country: str
    provider: str
    network: str = ""
    asn: int | None = None
    org: str = ""

    def __post_init__(self) -> None:
        _text(self.ip, "hosting.ip")
        _country(self.country, "hosting.country")
        _text(self.provider, "hosting.provider")
        _text(self.network, "hosting.network", required=False)
        _text(self.org, "hosting.org", required=False)
        if self.asn is not None and not (isinstance(self.asn, int) and 0 < self.asn < 2**32):
            raise BadInput(f"hosting.asn: {self.asn!r} is not an AS number (1..4294967295)")


@dataclass(frozen=True, slots=True)
class PortalField:
    """One field of a platform's web form, in the portal's words, and what Comity fills it with.

    `fills` is a key of `comity.hosting.directory.routes.FILLS`, or "" where the
    case cannot know the answer (the sheet marks it "to fill").
    """

    label: str
    fills: str = ""

    def __post_init__(self) -> None:
        _text(self.label, "portal.field.label", single_line=False)
        _text(self.fills, "portal.field.fills", required=False)


@dataclass(frozen=True, slots=True)
class PortalRoute:
    """The platform's web form a portal referral is typed into, as the directory read it."""

    platform: str
    operator: str
    name: str
    url: str
    source: str
    checked: date
    confidence: str
    # None: the form's fields were not read (the sheet says so and lists what to give).
    fields: tuple[PortalField, ...] | None = None
    fields_complete: bool = False
    languages: tuple[str, ...] | None = None
    policy_name: str = ""
    policy_url: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("platform", "operator", "name", "confidence"):
            _text(getattr(self, name), f"portal.{name}")
        for name in ("url", "source"):
            value = getattr(self, name)
            _text(value, f"portal.{name}")
            if not value.startswith("https://"):
                raise BadInput(f"portal.{name}: {value!r} is not an https:// URL", field=name)
        if not isinstance(self.checked, date):
            raise BadInput("portal.checked: the date the route was read (YYYY-MM-DD)")
        for name in ("policy_name", "policy_url"):
            _text(getattr(self, name), f"portal.{name}", required=False)
        _text(self.note, "portal.note", required=False, single_line=False)
        if self.fields is not None and not self.fields:
            raise BadInput("portal.fields: None when not read, else at least one field")
        if self.fields_complete and self.fields is None:
            raise BadInput("portal.fields_complete: fields not read cannot be complete")
        for lang in self.languages or ():
            if not isinstance(lang, str) or not _LANG.fullmatch(lang):
                raise BadInput(f"portal.languages: {lang!r} is not an ISO 639-1 code")


@dataclass(frozen=True, slots=True)
class DossierItem:
    """One URL in the annex, with its evidence, attribution and legal basis."""

    url: str
    captured_at: datetime
    evidence_sha256: str
    hosting: Hosting
    conduct: str
    requesting_provision: Provision
    host_provision: Provision | None = None
    tos_category: str = ""

    def __post_init__(self) -> None:
        _text(self.url, "item.url")
        where = f"item {self.url[:80]!r}"
        if not isinstance(self.evidence_sha256, str) or not self.evidence_sha256:
            raise Refused(f"{where} has no evidence: capture it before it goes in a dossier")
        if not _SHA256.fullmatch(self.evidence_sha256):
            raise BadInput(
                f"{where}: evidence_sha256 must be 64 lower-case hex digits",
                field="evidence_sha256",
            )
        if not isinstance(self.captured_at, datetime) or self.captured_at.tzinfo is None:
            raise BadInput(f"{where}: captured_at must be a timezone-aware datetime")
        if not _CONDUCT.fullmatch(self.conduct):
            raise BadInput(f"{where}: conduct {self.conduct!r} is not a conduct code")
        _text(self.tos_category, f"{where}: tos_category", required=False)


def check_non_disclosure(kind: str, reason: str, weeks: int | None, language: str) -> None:
    """A request under Article 11(3) of Regulation (EU) 2021/784 that the content
    provider is not informed: removal orders only, with a reason and the language
    staff wrote it in (it is never translated), weeks >= 1."""
    if not reason and weeks is None:
        return
    if kind != "eu_removal_order":
        raise BadInput(
            f"non_disclosure_reason: a {kind} is no removal-order request: Article 11(3) of "
            "Regulation (EU) 2021/784 concerns removal orders only",
            field="non_disclosure_reason",
        )
    if not reason.strip():
        raise BadInput(
            "non_disclosure_reason: a request not to inform the content provider states its reason",
            field="non_disclosure_reason",
        )
    if language not in LANGUAGES:
        raise BadInput(
            f"non_disclosure_language: {language!r}; say which language the reason is written "
            f"in ({', '.join(LANGUAGES)}): it is given as written, labelled with its language, "
            "never translated",
            field="non_disclosure_language",
        )
    if weeks is not None and (isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1):
        raise BadInput(
            "non_disclosure_weeks: a whole number of weeks, 1 or more",
            field="non_disclosure_weeks",
        )


@dataclass(frozen=True, slots=True)
class Seal:
    """Place of issue and the seal-and-initials block of a document a state signs.

    A note verbale is not signed: it is sealed and initialled, and says where it
    was issued. The texts come from the deployment's settings and `parties.yaml`
    (`build.letterhead`), never from code.
    """

    place: str
    seal: str
    initials: str

    def __post_init__(self) -> None:
        _text(self.place, "seal.place")
        _text(self.seal, "seal.seal")
        _text(self.initials, "seal.initials")


@dataclass(frozen=True, slots=True)
class TreatyBasis:
    """The treaty a letter of request is made under, as the register records it.

    `contents_article` is the article that lists what a request contains; when
    the register has none for this treaty, the contents common to the UN
    conventions are used and `contents_from` names the convention and article
    used instead (the letter says so).
    """

    id: str
    title: str
    source: str
    assistance_article: str
    contents_article: str
    contents_from: str
    contents_title: str
    central_authorities_article: str = ""
    title_local: str = ""  # the register's title in the requesting state's language

    def __post_init__(self) -> None:
        for name in ("id", "title", "source", "assistance_article", "contents_article"):
            _text(getattr(self, name), f"treaty.{name}")
        _text(self.contents_from, "treaty.contents_from")
        _text(self.contents_title, "treaty.contents_title")
        _text(
            self.central_authorities_article, "treaty.central_authorities_article", required=False
        )

    @property
    def contents_borrowed(self) -> bool:
        """True when the contents of the request follow another instrument's article."""
        return self.contents_from != self.id


@dataclass(frozen=True, slots=True)
class Dossier:
    """A request dossier, ready to render. Items keep the order given."""

    reference: str
    kind: DossierKind
    channel: Channel
    language: Language
    sender: Party
    addressee: Party
    date: date
    items: tuple[DossierItem, ...]
    version: int = 1
    supersedes: str | None = None
    priority: Priority = "standard"
    actions: tuple[Action, ...] = ("removal", "disabling_of_access", "preservation_of_data")
    competent_authority: Party | None = None
    notes: str = ""
    # The moment of issue (or of a preview), timezone-aware: an e-mail's Date
    # header and an X-ARF report's timestamp are real times, never a midnight.
    issued_at: datetime | None = None
    # The host's official languages as the knowledge base lists them (ISO
    # 639-1): the Annex I form of an EU removal-order request is given in the
    # host's language beside English where that language version was read.
    host_languages: tuple[str, ...] = ()
    # The requesting side's request that the issuing authority decide, under
    # Article 11(3) of Regulation (EU) 2021/784, not to inform the content
    # provider: the reason (staff's words) and the period asked for, in weeks.
    non_disclosure_reason: str = ""
    non_disclosure_weeks: int | None = None
    # The language staff wrote their own words in (the reason above): they are
    # never translated, and the letter says which language they are in.
    staff_language: str = ""
    # A preview for reading before issue: marked DRAFT on every page, no number.
    draft: bool = False
    # Place of issue, seal and initials of a document a state signs (SEALED_KINDS).
    seal: Seal | None = None
    # A letter of request: the treaty it is made under (articles as registered).
    treaty: TreatyBasis | None = None
    # A note verbale handed over through an embassy: that embassy.
    transmitted_via: Party | None = None
    # The platform's web form (portal_referral only), frozen at build time.
    portal: PortalRoute | None = None

    def __post_init__(self) -> None:
        _text(self.reference, "dossier.reference")
        if self.kind not in KINDS:
            raise BadInput(f"dossier.kind: {self.kind!r}; valid: {', '.join(KINDS)}")
        if self.channel not in _KIND_CHANNELS[self.kind]:
            valid = ", ".join(sorted(_KIND_CHANNELS[self.kind]))
            raise BadInput(f"dossier.channel: {self.channel!r} for {self.kind}; valid: {valid}")
        if self.language not in LANGUAGES:
            raise BadInput(f"dossier.language: {self.language!r}; valid: {', '.join(LANGUAGES)}")
        if self.priority not in PRIORITIES:
            raise BadInput(f"dossier.priority: {self.priority!r}; valid: {', '.join(PRIORITIES)}")
        if not isinstance(self.date, date) or isinstance(self.date, datetime):
            raise BadInput("dossier.date: must be a date (YYYY-MM-DD)")
        if not isinstance(self.version, int) or self.version < 1:
            raise BadInput("dossier.version: must be an integer >= 1")
        if self.version > 1 and not self.supersedes:
            raise BadInput("dossier.supersedes: a version after the first names what it supersedes")
        if not self.actions or any(a not in ACTIONS for a in self.actions):
            raise BadInput(f"dossier.actions: one or more of {', '.join(ACTIONS)}")
        _text(self.notes, "dossier.notes", required=False, single_line=False)
        if self.issued_at is not None and (
            not isinstance(self.issued_at, datetime) or self.issued_at.tzinfo is None
        ):
            raise BadInput("dossier.issued_at: must be a timezone-aware datetime")
        self._check_eu_request()
        self._check_signed()
        if self.draft and self.reference != "DRAFT":
            raise BadInput("dossier.reference: a draft preview carries no reference number")
        if (self.kind == "portal_referral") != (self.portal is not None):
            raise BadInput(
                "dossier.portal: a portal referral names the platform's form, and only it does",
                field="portal",
            )
        self._check_items()

    def _check_eu_request(self) -> None:
        for lang in self.host_languages:
            if not isinstance(lang, str) or not _LANG.fullmatch(lang):
                raise BadInput(f"dossier.host_languages: {lang!r} is not an ISO 639-1 code")
        _text(self.non_disclosure_reason, "dossier.non_disclosure_reason", required=False)
        check_non_disclosure(
            self.kind, self.non_disclosure_reason, self.non_disclosure_weeks, self.staff_language
        )

    def _check_signed(self) -> None:
        if self.kind in SEALED_KINDS and not isinstance(self.seal, Seal):
            raise Refused(
                f"a {self.kind} states its place of issue and carries a seal and initials: "
                "none given (see comity.dossiers.build.letterhead)"
            )
        if self.kind == "letter_of_request" and not isinstance(self.treaty, TreatyBasis):
            raise Refused("a letter of request is made under a treaty: none given")
        if self.kind in ("note_verbale", "letter_of_request"):
            authority = self.competent_authority
            if authority is None or not (authority.email or authority.phone):
                # The addressee must know whom to ask: the body names the authority.
                raise Refused(
                    f"a {self.kind} names the requesting authority with its contact "
                    "(e-mail or telephone): none given"
                )

    def _check_items(self) -> None:
        if not self.items:
            raise Refused(f"dossier {self.reference!r} has no items: nothing to request")
        governmental = self.kind not in _REFERRALS
        for item in self.items:
            if not isinstance(item, DossierItem):
                raise BadInput("dossier.items: every item must be a DossierItem")
            if governmental and item.host_provision is None:
                # Dual criminality is the whole basis of a request to a state.
                raise Refused(
                    f"item {item.url[:80]!r} has no matching host provision: "
                    "a governmental request needs one (use a provider referral instead)"
                )
            if not governmental and not item.tos_category:
                raise BadInput(f"item {item.url[:80]!r}: a provider referral needs tos_category")
        if self.kind in ("note_verbale", "letter_of_request"):
            foreign = {i.hosting.country for i in self.items} - {self.addressee.country}
            if foreign:
                raise Refused(
                    f"{self.kind} to {self.addressee.country} lists items hosted in "
                    f"{', '.join(sorted(foreign))}: one dossier per host state"
                )
        if self.kind in ("eu_removal_order", "eu_coordinator"):
            self._check_eu()
        if (
            self.kind in ("note_verbale", "eu_coordinator", "letter_of_request")
            and self.language != "en"
            and not self.addressee.name_dative
        ):
            # Every template language but English inflects the name or puts an
            # article before it ("dem Auswärtigen Amt", "au Ministère").
            raise BadInput(
                f"addressee.name_dative: required for a {self.language} note "
                "(the addressee's name as it follows 'presents its compliments to')"
            )

    def _check_eu(self) -> None:
        # Imported here: the table is renderer data and the renderers import us.
        from comity.dossiers.render._data import eu_table

        table = eu_table()
        outside = {i.hosting.country for i in self.items} - set(table["member_states"])
        if outside:
            raise Refused(
                f"{self.kind} dossier lists items hosted outside the EU "
                f"({', '.join(sorted(outside))}): send those through another channel"
            )
        if self.kind == "eu_removal_order":
            other = {i.conduct for i in self.items} - set(table["article_2_7_points"])
            if other:
                raise Refused(
                    f"conduct {', '.join(sorted(other))} is not terrorist content under "
                    "Article 2(7) of Regulation (EU) 2021/784: no removal order can be asked"
                )

    @property
    def requesting_provisions(self) -> tuple[Provision, ...]:
        """The requesting state's provisions cited, first appearance first."""
        return _unique(i.requesting_provision for i in self.items)

    @property
    def host_provisions(self) -> tuple[Provision, ...]:
        """The host provisions cited (all host states), first appearance first."""
        return _unique(i.host_provision for i in self.items if i.host_provision is not None)

    def by_host_country(self) -> dict[str, tuple[DossierItem, ...]]:
        """Items grouped by hosting country, countries in alphabetical order."""
        groups: dict[str, list[DossierItem]] = {}
        for item in self.items:
            groups.setdefault(item.hosting.country, []).append(item)
        return {cc: tuple(groups[cc]) for cc in sorted(groups)}


def _unique(provisions: Iterable[Provision]) -> tuple[Provision, ...]:
    seen: dict[tuple[str, str], Provision] = {}
    for provision in provisions:
        seen.setdefault((provision.jurisdiction, provision.id), provision)
    return tuple(seen.values())
