"""Hosting providers by ASN, CDN operators by CDN name, domain registries by TLD."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from comity.hosting.directory._strictyaml import (
    DirectoryDataError,
    check_country,
    check_keys,
    load_entries,
)

__all__ = [
    "CdnOperator",
    "Provider",
    "ProviderDirectory",
    "Registry",
    "load_providers",
    "provider_directory",
]

DATA = Path(__file__).parent / "data"
_OVERRIDE_KEYS = (
    "asn",
    "legal_entity",
    "country",
    "abuse_email",
    "abuse_url",
    "source",
    "confidence",
)
_CDN_KEYS = ("key", "operator", "country", "abuse_url", "abuse_email", "source", "confidence")


@dataclass(frozen=True)
class Provider:
    asn: int
    name: str
    legal_entity: str
    country: str | None
    abuse_email: str | None
    abuse_url: str | None
    rank: int | None  # rank in the bundled top list, None for curated additions
    sources: dict[str, str | None]
    confidence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "asn": self.asn,
            "name": self.name,
            "legal_entity": self.legal_entity,
            "country": self.country,
            "abuse_email": self.abuse_email,
            "abuse_url": self.abuse_url,
            "rank": self.rank,
            "sources": dict(self.sources),
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class CdnOperator:
    key: str
    operator: str
    country: str
    abuse_url: str | None
    abuse_email: str | None
    source: str
    confidence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "country": self.country,
            "abuse_url": self.abuse_url,
            "abuse_email": self.abuse_email,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Registry:
    tld: str
    name: str | None
    email: str | None
    form: str | None
    link: str | None
    as_of: str | None
    source: str


def _cdn_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


class ProviderDirectory:
    def __init__(
        self,
        providers: dict[int, Provider],
        cdns: dict[str, CdnOperator],
        registries: dict[str, Registry],
    ) -> None:
        self.providers = providers
        self.cdns = cdns
        self.registries = registries

    def for_asn(self, asn: int | None) -> Provider | None:
        return None if asn is None else self.providers.get(int(asn))

    def cdn_operator(self, cdn: str | None) -> CdnOperator | None:
        """Operator of a CDN named as in the CDN range lists ("Cloudflare", "Google Cloud")."""
        if not cdn:
            return None
        return self.cdns.get(_cdn_key(cdn))

    def registry_for(self, host: str) -> Registry | None:
        """The registry of the host's TLD (the `registrar_notice` channel), if documented."""
        return self.registries.get(host.rstrip(".").rsplit(".", 1)[-1].lower())


def _load_generated(path: Path) -> dict[int, Provider]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DirectoryDataError(f"{path}: missing or not valid JSON ({exc})") from None
    if raw.get("schema") != "comity.providers/1" or not isinstance(raw.get("providers"), list):
        raise DirectoryDataError(f"{path}: not a comity.providers/1 file")
    out: dict[int, Provider] = {}
    for i, entry in enumerate(raw["providers"]):
        where = f"{path}: providers[{i}]"
        try:
            out[int(entry["asn"])] = Provider(
                asn=int(entry["asn"]),
                name=str(entry["name"]),
                legal_entity=str(entry["legal_entity"]),
                country=check_country(where, entry["country"]),
                abuse_email=entry["abuse_email"],
                abuse_url=None,
                rank=int(entry["rank"]),
                sources=dict(entry["sources"]),
                confidence="medium",
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DirectoryDataError(f"{where}: malformed ({exc})") from None
    return out


def _apply_overrides(providers: dict[int, Provider], path: Path) -> None:
    header, entries = load_entries(path, "providers")
    check_keys(str(path), header, required=("schema",))
    for line, raw in entries:
        where = f"{path}: line {line}"
        entry = check_keys(where, raw, required=_OVERRIDE_KEYS, optional=("note",))
        asn = int(entry["asn"])
        source = f"curated {path.name} ({entry['source']})"
        base = providers.get(asn)
        sources = dict(base.sources) if base else {}
        sources.update(legal_entity=source, country=source)
        if entry["abuse_email"] or entry["abuse_url"]:
            sources["abuse_email"] = source
        updated = Provider(
            asn=asn,
            name=base.name if base else str(entry["legal_entity"]),
            legal_entity=str(entry["legal_entity"]),
            country=check_country(where, entry["country"]),
            abuse_email=entry["abuse_email"] or (base.abuse_email if base else None),
            abuse_url=entry["abuse_url"],
            rank=base.rank if base else None,
            sources=sources,
            confidence=str(entry["confidence"]),
        )
        providers[asn] = updated


def _load_cdns(path: Path) -> dict[str, CdnOperator]:
    header, entries = load_entries(path, "cdns")
    check_keys(str(path), header, required=("schema",))
    out: dict[str, CdnOperator] = {}
    for line, raw in entries:
        where = f"{path}: line {line}"
        entry = check_keys(where, raw, required=_CDN_KEYS)
        country = check_country(where, entry["country"], nullable=False)
        out[_cdn_key(entry["key"])] = CdnOperator(
            key=_cdn_key(entry["key"]),
            operator=str(entry["operator"]),
            country=str(country),
            abuse_url=entry["abuse_url"],
            abuse_email=entry["abuse_email"],
            source=str(entry["source"]),
            confidence=str(entry["confidence"]),
        )
    return out


def _load_registries(path: Path) -> dict[str, Registry]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            tld: Registry(tld=tld, source=raw["source"], **fields)
            for tld, fields in raw["registries"].items()
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DirectoryDataError(f"{path}: missing or malformed ({exc})") from None


def load_providers(data: Path = DATA) -> ProviderDirectory:
    providers = _load_generated(data / "providers.json")
    _apply_overrides(providers, data / "provider_overrides.yaml")
    return ProviderDirectory(
        providers,
        _load_cdns(data / "cdn_operators.yaml"),
        _load_registries(data / "registries.json"),
    )


@cache
def provider_directory() -> ProviderDirectory:
    """The bundled directory (loaded once)."""
    return load_providers()


def with_rdap(provider: Provider, *, abuse_email: str | None, source: str) -> Provider:
    """A copy of `provider` whose missing abuse e-mail is filled from RDAP."""
    if provider.abuse_email or not abuse_email:
        return provider
    return replace(
        provider, abuse_email=abuse_email, sources={**provider.sources, "abuse_email": source}
    )
