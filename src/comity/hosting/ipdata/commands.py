"""Bodies of `comity attribute --ip`, `comity data status` and `comity data update`.

Kept out of hosting/cli.py (shared with the directory/DNS work) so that file
stays a thin list of Typer options.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.table import Table

from comity.cli.output import console, err_console, fail, print_json
from comity.core.errors import BadInput
from comity.hosting.ipdata.lookup import IpInfo, lookup
from comity.hosting.ipdata.records import ip_record
from comity.hosting.ipdata.store import health
from comity.hosting.ipdata.update import update_datasets

__all__ = ["attribute_ips", "data_status", "data_update", "ip_json", "read_ip_file"]

_SUMMARY_KEYS = ("ip", "country", "country_registered", "asn", "org", "routable", "cdn")


def read_ip_file(path: Path) -> list[str]:
    """One address per line; blank lines and `#` comments ignored; `-` is stdin."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"--ip-file {path}: cannot read: {exc}", field="ip-file") from exc
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if any(ch.isspace() for ch in value):
            raise BadInput(f"--ip-file {path} line {number}: one address per line", field="ip-file")
        out.append((number, value))
    from comity.hosting.ipdata.lookup import parse_ip

    for number, value in out:
        try:
            parse_ip(value)
        except BadInput as exc:
            raise BadInput(
                f"--ip-file {path} line {number}: {exc.message}", field="ip-file"
            ) from None
    return [value for _, value in out]


def ip_json(info: IpInfo, observed_at: datetime) -> dict[str, object]:
    """The record `attribute --ip --json` prints for one address."""
    return _record(info, observed_at)


def _record(info: IpInfo, observed_at: datetime) -> dict[str, object]:
    record = ip_record(info, observed_at=observed_at)
    # Same shape as `attribute --url`: the addresses under `ips`, no platform for a bare IP.
    record["ips"] = [{key: record[key] for key in _SUMMARY_KEYS}]
    record["platform"] = None
    return record


def attribute_ips(
    *,
    ips: list[str],
    ip_file: Path | None,
    as_json: bool,
    fmt: str | None = None,
    strict: bool = False,
) -> None:
    """Look up addresses offline (never DNS) and print them in input order.

    With --json or --format and an --ip-file, the file is streamed (`stream_ip_file`);
    the table reads it whole first, since a table is for a person reading a short list.
    """
    if ip_file is not None and (as_json or fmt is not None):
        from comity.hosting.ipdata.cli_batch import stream_ip_file

        if ips:
            print_json([_record(info, datetime.now(UTC)) for info in lookup(ips)], lines=True)
        stream_ip_file(source=ip_file, fmt=fmt or "jsonl", strict=strict)
        return
    addresses = list(ips) + (read_ip_file(ip_file) if ip_file is not None else [])
    if not addresses:
        raise BadInput("give at least one address with --ip or --ip-file", field="ip")
    observed_at = datetime.now(UTC)
    infos = lookup(addresses)
    if as_json:
        print_json([_record(info, observed_at) for info in infos], lines=True)
        return
    table = Table("ip", "routable", "located", "registered", "asn", "organisation", "cdn / proxy")
    for info in infos:
        registered = info.country_registered
        table.add_row(
            info.ip,
            "yes" if info.routable else f"no ({info.reason})",
            info.country or "-",
            registered if registered != info.country else "same" if registered else "-",
            f"AS{info.asn}" if info.asn else "-",
            info.org or "-",
            info.cdn or "-",
        )
    console.print(table)


def data_status(*, as_json: bool) -> None:
    """Every dataset with source, date, licence, records and health; exit 1 if degraded."""
    statuses = health()
    if as_json:
        print_json([dataclasses.asdict(s) for s in statuses])
    else:
        table = Table("dataset", "date", "licence", "records", "health", "source")
        for s in statuses:
            table.add_row(
                s.name,
                s.date,
                s.licence,
                "-" if s.records is None else str(s.records),
                "ok" if s.healthy else "BROKEN",
                s.upstream,
            )
        console.print(table)
    broken = [s for s in statuses if not s.healthy]
    for s in broken:
        err_console.print(f"attribution degraded: {s.problem}", markup=False)
    if broken:
        fail(f"{len(broken)} dataset(s) unusable; IP attribution is degraded")


def data_update(*, as_json: bool) -> None:
    records = update_datasets()
    if as_json:
        print_json(records)
        return
    for name, count in records.items():
        console.print(f"{name}: {count} records")
