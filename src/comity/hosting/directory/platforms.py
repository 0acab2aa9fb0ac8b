"""The platform directory: host -> platform operator, establishment, EU representative, channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from comity.hosting.directory._strictyaml import (
    DirectoryDataError,
    check_country,
    check_date,
    check_keys,
    load_entries,
)
from comity.hosting.directory.routes import Route, TvePolicy, parse_routes, parse_tve_policy

__all__ = [
    "EuRepresentative",
    "LeChannel",
    "Platform",
    "PlatformDirectory",
    "load_platforms",
    "platform_by_id",
    "platform_for_host",
]

PLATFORMS_FILE = Path(__file__).parent / "data" / "platforms.yaml"
_CATEGORIES = {
    "video",
    "messaging",
    "social",
    "file_sharing",
    "paste",
    "blogging",
    "archive",
    "forum",
}
_CONFIDENCE = {"high", "medium", "low"}
_KEYS = (
    "id",
    "name",
    "category",
    "domains",
    "operator",
    "country",
    "eu_representative",
    "le_channel",
    "routes",
    "tve_policy",
    "source",
    "checked",
    "confidence",
)


@dataclass(frozen=True)
class EuRepresentative:
    entity: str
    country: str
    kind: str  # main_establishment | legal_representative

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.entity, "country": self.country, "kind": self.kind}


@dataclass(frozen=True)
class LeChannel:
    url: str | None
    email: str | None
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "email": self.email, "note": self.note}


@dataclass(frozen=True)
class Platform:
    id: str
    name: str
    category: str
    domains: tuple[str, ...]
    operator: str
    country: str | None
    eu_representative: EuRepresentative | None
    le_channel: LeChannel
    source: str
    checked: date
    confidence: str
    routes: tuple[Route, ...] = ()
    tve_policy: TvePolicy | None = None
    note: str | None = None

    def portal(self) -> Route | None:
        """The first route Comity can prepare a submission for, in the directory's order."""
        return next((r for r in self.routes if r.usable), None)

    def fallback(self) -> str:
        """Where to turn when the platform has no usable route: the EU route or the host's."""
        rep = self.eu_representative
        if rep is not None:
            kind = (
                "main establishment"
                if rep.kind == "main_establishment"
                else ("legal representative")
            )
            return (
                f"ask the competent authority of {rep.country} (the state of its {kind}, "
                f"{rep.entity}) for a removal order under Regulation (EU) 2021/784 "
                "(channel eu_removal_order_request)"
            )
        if self.country:
            return (
                f"send a request to the host state {self.country} "
                "(channel diplomatic_request or mla_request)"
            )
        return (
            "send a request to the host state of its hosting address "
            "(the operator's state is unknown)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "operator": self.operator,
            "country": self.country,
            "eu_representative": (
                self.eu_representative.to_json() if self.eu_representative else None
            ),
            "le_channel": self.le_channel.to_json(),
            "routes": [r.to_json() for r in self.routes],
            "tve_policy": self.tve_policy.to_json() if self.tve_policy else None,
            "source": self.source,
            "checked": self.checked.isoformat(),
            "confidence": self.confidence,
            "note": self.note,
        }


class PlatformDirectory:
    """Looks a host up by walking its labels upwards (`a.b.blogspot.com` -> `blogspot.com`).

    Walking labels rather than asking the Public Suffix List is deliberate: the
    PSL lists `blogspot.com` as a private suffix, so a PSL "registrable domain"
    would be the user's blog, not the platform that hosts it.
    """

    def __init__(self, platforms: list[Platform], *, origin: str = "platforms") -> None:
        self.platforms = tuple(platforms)
        self.by_id = {p.id: p for p in platforms}
        self._by_domain: dict[str, Platform] = {}
        for platform in platforms:
            for domain in platform.domains:
                other = self._by_domain.get(domain)
                if other is not None:
                    raise DirectoryDataError(
                        f"{origin}: domain {domain!r} is listed for both {other.id} and "
                        f"{platform.id}"
                    )
                self._by_domain[domain] = platform

    def for_host(self, host: str) -> Platform | None:
        labels = host.lower().rstrip(".").split(".")
        for start in range(len(labels) - 1):
            platform = self._by_domain.get(".".join(labels[start:]))
            if platform is not None:
                return platform
        return None

    def __len__(self) -> int:
        return len(self.platforms)


def _parse(where: str, raw: Any) -> Platform:
    entry = check_keys(where, raw, required=_KEYS, optional=("note",))
    if entry["category"] not in _CATEGORIES:
        raise DirectoryDataError(
            f"{where}: category {entry['category']!r} (valid: {', '.join(sorted(_CATEGORIES))})"
        )
    if entry["confidence"] not in _CONFIDENCE:
        raise DirectoryDataError(f"{where}: confidence must be one of high, medium, low")
    domains = entry["domains"]
    if not isinstance(domains, list) or not domains:
        raise DirectoryDataError(f"{where}: domains must be a non-empty list")
    rep_raw = entry["eu_representative"]
    rep = None
    if rep_raw is not None:
        rep_entry = check_keys(
            f"{where}: eu_representative", rep_raw, required=("entity", "country", "kind")
        )
        if rep_entry["kind"] not in ("main_establishment", "legal_representative"):
            raise DirectoryDataError(f"{where}: eu_representative.kind is not valid")
        country = check_country(f"{where}: eu_representative", rep_entry["country"], nullable=False)
        rep = EuRepresentative(str(rep_entry["entity"]), str(country), rep_entry["kind"])
    channel = check_keys(
        f"{where}: le_channel", entry["le_channel"], required=("url", "email", "note")
    )
    source = entry["source"]
    if not isinstance(source, str) or not source.startswith("https://"):
        raise DirectoryDataError(f"{where}: source must be an https:// URL")
    return Platform(
        id=str(entry["id"]),
        name=str(entry["name"]),
        category=entry["category"],
        domains=tuple(str(d).lower() for d in domains),
        operator=str(entry["operator"]),
        country=check_country(where, entry["country"]),
        eu_representative=rep,
        le_channel=LeChannel(channel["url"], channel["email"], channel["note"]),
        source=source,
        checked=check_date(f"{where}: checked", entry["checked"]),
        confidence=entry["confidence"],
        routes=parse_routes(where, entry["routes"]),
        tve_policy=parse_tve_policy(f"{where}: tve_policy", entry["tve_policy"]),
        note=entry.get("note"),
    )


def load_platforms(path: Path = PLATFORMS_FILE) -> PlatformDirectory:
    header, entries = load_entries(path, "platforms")
    check_keys(str(path), header, required=("schema",), optional=("checked_default",))
    if header["schema"] != "comity.platforms/1":
        raise DirectoryDataError(f"{path}: schema must be comity.platforms/1")
    platforms: list[Platform] = []
    ids: set[str] = set()
    for line, raw in entries:
        platform = _parse(f"{path}: line {line}", raw)
        if platform.id in ids:
            raise DirectoryDataError(f"{path}: line {line}: duplicate platform id {platform.id!r}")
        ids.add(platform.id)
        platforms.append(platform)
    return PlatformDirectory(platforms, origin=str(path))


@cache
def _bundled() -> PlatformDirectory:
    return load_platforms()


def platform_for_host(host: str) -> Platform | None:
    """The platform serving `host` from the bundled directory, or None."""
    return _bundled().for_host(host)


def platform_by_id(platform_id: str) -> Platform | None:
    """A platform of the bundled directory (or of the demo zone's) by its id, or None."""
    found = _bundled().by_id.get(platform_id)
    if found is None:
        from comity.demo.sites import demo_platforms

        found = demo_platforms().by_id.get(platform_id)
    return found
