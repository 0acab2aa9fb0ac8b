"""Build the CDN / reverse-proxy tables: cdn-ranges.npz and cdn-operators.yaml."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from comity.hosting.ipdata.intervals import pack_v6, paint

__all__ = ["CURATED", "build_cdn"]

CURATED = Path(__file__).with_name("cdn_curated.yaml")
_MANSOUR = "cdn-ranges/mansourjabin-cdn-ip-database"
_GOOGLE = "cdn-ranges/lord-alfred-ipranges/google"
_MANSOUR_SRC = "mansourjabin/cdn-ip-database (MIT) data/resolved_ips.json"
_GOOGLE_SRC = "lord-alfred/ipranges (CC0) google/ (goog.json) minus Google Cloud (cloud.json)"
_OPERATOR_KEYS = {"name", "kind", "ranges_from", "asns"}
_KINDS = {"cdn", "reverse_proxy", "google_front_end"}


def _load_curated(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    operators = data.get("operators") if isinstance(data, dict) else None
    if not isinstance(operators, list):
        raise ValueError(f"{path}: expected a mapping with an `operators` list")
    for number, op in enumerate(operators, start=1):
        unknown = set(op) - _OPERATOR_KEYS
        if unknown or op.get("kind") not in _KINDS:
            raise ValueError(f"{path}: operator {number}: unknown keys {unknown} or bad kind")
    return operators


def _networks(texts: list[str], where: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets = []
    for text in texts:
        try:
            nets.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{where}: not a network: {text!r}") from exc
    return nets


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines if ln.strip() and not ln.startswith("#")]


def _asn_number(text: str) -> int:
    return int(text.upper().removeprefix("AS"))


def build_cdn(root: Path, out: Path, org_names: dict[int, str]) -> dict[str, int]:
    """Paint operator ranges (index = position + 1; 0 = not a CDN) and list CDN ASNs."""
    operators = _load_curated(CURATED)
    resolved = json.loads((root / _MANSOUR / "resolved_ips.json").read_text(encoding="utf-8"))
    spans: dict[int, list[tuple[int, int, int]]] = {4: [], 6: []}
    google = _networks(_lines(root / _GOOGLE / "ipv4_merged.txt"), "google ipv4") + _networks(
        _lines(root / _GOOGLE / "ipv6_merged.txt"), "google ipv6"
    )
    cloud = _networks(resolved.get("Google Cloud", {}).get("ips", []), "Google Cloud")
    entries: list[dict[str, Any]] = []
    prefix_count = 0
    ordered = sorted(enumerate(operators, start=1), key=lambda p: p[1]["ranges_from"] != "google")
    for code, op in ordered:
        if op["ranges_from"] == "google":
            nets, source = google, _GOOGLE_SRC
        else:
            nets = _networks(resolved.get(op["name"], {}).get("ips", []), op["name"])
            source = _MANSOUR_SRC
        for net in nets:
            spans[net.version].append((int(net.network_address), int(net.broadcast_address), code))
        if op["ranges_from"] == "google":
            # Erase customer-hosting ranges painted above (Google documents goog - cloud).
            for net in cloud:
                spans[net.version].append((int(net.network_address), int(net.broadcast_address), 0))
        prefix_count += len(nets)
        entries.append(_operator_entry(op, code, nets, source, resolved, org_names))
    entries.sort(key=lambda e: e["code"])
    s4, v4 = paint(spans[4], top=2**32 - 1, default=0)
    s6, v6 = paint(spans[6], top=2**128 - 1, default=0)
    np.savez_compressed(
        out / "cdn-ranges.npz",
        v4_starts=np.array(s4, dtype=np.uint32),
        v4_op=np.array(v4, dtype=np.uint16),
        v6_starts=pack_v6(s6),
        v6_op=np.array(v6, dtype=np.uint16),
        operators=np.array([""] + [e["name"] for e in entries], dtype="U40"),
    )
    text = yaml.safe_dump({"operators": entries}, sort_keys=False, allow_unicode=True, width=100)
    (out / "cdn-operators.yaml").write_text(text, encoding="utf-8")
    return {
        "cdn-ranges": prefix_count,
        "cdn-operators": sum(len(e["asns"]) for e in entries),
    }


def _operator_entry(
    op: dict[str, Any],
    code: int,
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
    source: str,
    resolved: dict[str, Any],
    org_names: dict[int, str],
) -> dict[str, Any]:
    asns: list[dict[str, Any]] = []
    for text in resolved.get(op["name"], {}).get("asns", []):
        asns.append(
            {
                "asn": _asn_number(text),
                "source": _MANSOUR_SRC.replace("resolved_ips.json", "sources.json"),
            }
        )
    for item in op.get("asns") or []:
        name = org_names.get(int(item["asn"]), "")
        if item["expect_org"].lower() not in name.lower():
            raise ValueError(
                f"{CURATED.name}: AS{item['asn']} expected organisation containing "
                f"{item['expect_org']!r}, data says {name!r}"
            )
        asns.append(
            {
                "asn": int(item["asn"]),
                "source": f"ip-location-db asn data: AS{item['asn']} organisation {name!r}",
            }
        )
    return {
        "code": code,
        "name": op["name"],
        "kind": op["kind"],
        "range_source": source if nets else None,
        "prefixes_v4": sum(1 for n in nets if n.version == 4),
        "prefixes_v6": sum(1 for n in nets if n.version == 6),
        "asns": sorted({a["asn"]: a for a in asns}.values(), key=lambda a: a["asn"]),
    }
