"""Builders for dossiers used across the dossier tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from comity.dossiers.schemas import Dossier, DossierItem, Hosting, Party, Provision, Seal

KZ_256 = Provision(
    id="KZ.CC.256.1",
    citation="Criminal Code of the Republic of Kazakhstan, Article 256(1)",
    title="Propaganda of terrorism or public calls to commit an act of terrorism",
    source="https://adilet.zan.kz/rus/docs/K1400000226",
    jurisdiction="KZ",
)
DE_111 = Provision(
    id="DE.StGB.111",
    citation="Strafgesetzbuch (StGB) § 111 Abs. 1",
    title="Öffentliche Aufforderung zu Straftaten",
    source="https://www.gesetze-im-internet.de/stgb/__111.html",
    jurisdiction="DE",
    elements_matched=("public", "intent"),
)
NL_131 = Provision(
    id="NL.Sr.131",
    citation="Wetboek van Strafrecht, artikel 131",
    title="Opruiing",
    source="https://wetten.overheid.nl/BWBR0001854/2024-01-01#BoekTweede_TiteldeelV_Artikel131",
    jurisdiction="NL",
    elements_matched=("public", "intent"),
)
HOSTS = {
    "DE": (
        Hosting(
            ip="5.9.10.11",
            network="5.9.0.0/16",
            asn=24940,
            org="Hetzner Online GmbH",
            country="DE",
            provider="Hetzner Online GmbH",
        ),
        DE_111,
    ),
    "NL": (
        Hosting(
            ip="5.79.70.12",
            network="5.79.64.0/18",
            asn=60781,
            org="LeaseWeb Netherlands B.V.",
            country="NL",
            provider="LeaseWeb",
        ),
        NL_131,
    ),
}
MFA = Party(
    name="Ministry of Foreign Affairs of the Republic of Kazakhstan",
    country="KZ",
    department="Department of Multilateral Cooperation",
    address="Astana, Kunayev Street 31",
)
CT_CENTRE = Party(
    name="Anti-Terrorist Centre of the Republic of Kazakhstan",
    country="KZ",
    email="liaison@atc.example",
    phone="+7 7172 000000",
)
SEAL = Seal(place="Astana", seal="Ministry of Foreign Affairs (seal)", initials="A.B.")
ADDRESSEES = {
    "en": "Embassy of the Federal Republic of Germany",
    "ru": "Посольство Федеративной Республики Германия",
    "kk": "Германия Федеративтік Республикасының Елшілігі",
}
DATIVES = {
    "en": "Embassy of the Federal Republic of Germany",
    "ru": "Посольству Федеративной Республики Германия",
    "kk": "Германия Федеративтік Республикасының Елшілігіне",
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_item(
    url: str, country: str = "DE", *, tos: str = "", conduct: str = "terrorism.incitement"
) -> DossierItem:
    hosting, provision = HOSTS[country]
    return DossierItem(
        url=url,
        captured_at=datetime(2024, 5, 2, 9, 30, tzinfo=UTC) + timedelta(minutes=len(url) % 50),
        evidence_sha256=sha(url),
        hosting=hosting,
        conduct=conduct,
        requesting_provision=KZ_256,
        host_provision=provision,
        tos_category=tos,
    )


def build_dossier(
    *,
    kind: str = "note_verbale",
    language: str = "en",
    urls: Sequence[str] = ("https://extremist.example/post/1", "https://forum.example/t/22?p=3"),
    countries: Sequence[str] | None = None,
    **changes: Any,
) -> Dossier:
    channel = {
        "note_verbale": "diplomatic_request",
        "eu_removal_order": "eu_removal_order_request",
        "eu_coordinator": "diplomatic_request",
        "provider_referral": "provider_referral",
        "letter_of_request": "mla_request",
    }[kind]
    tos = "Violent extremism and terrorism" if kind == "provider_referral" else ""
    countries = countries or ["DE"] * len(urls)
    addressee = Party(
        # Other languages name their addressee themselves (test_golden_languages).
        name=ADDRESSEES.get(language, ADDRESSEES["en"]),
        name_dative=DATIVES.get(language, DATIVES["en"]),
        country="DE",
        address="Astana, Kosmonavtov Street 62",
    )
    if kind == "provider_referral":
        addressee = Party(
            name="Hetzner Online GmbH", country="DE", role="provider", email="abuse@hetzner.example"
        )
    if kind == "eu_coordinator":
        addressee = Party(
            name="EU Counter-Terrorism Coordinator",
            name_dative="EU Counter-Terrorism Coordinator",
            country="BE",
            role="coordinator",
        )
    fields: dict[str, Any] = {
        "reference": "KZ-MFA-2024-0042",
        "kind": kind,
        "channel": channel,
        "language": language,
        "sender": MFA if kind != "provider_referral" else CT_CENTRE,
        "addressee": addressee,
        "date": date(2024, 5, 15),
        "items": tuple(build_item(u, c, tos=tos) for u, c in zip(urls, countries, strict=True)),
        "competent_authority": CT_CENTRE,
        "seal": SEAL if kind != "provider_referral" else None,
    }
    fields.update(changes)
    return Dossier(**fields)


@pytest.fixture
def make_dossier() -> Callable[..., Dossier]:
    return build_dossier
