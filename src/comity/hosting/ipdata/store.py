"""Bundled dataset files: where they are, their provenance, and their health.

Each file listed in sources.yaml is checked against its sha256 before use, so a
truncated, corrupt or swapped table is refused with the file named instead of
silently attributing addresses to the wrong network.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from comity.core.errors import ComityError

__all__ = [
    "DATA_DIR_ENV",
    "DatasetError",
    "DatasetStatus",
    "data_dir",
    "health",
    "load_npz",
    "load_yaml",
    "read_sources",
]

DATA_DIR_ENV = "COMITY_IPDATA_DIR"
_PACKAGE_DATA = Path(__file__).resolve().parent.parent / "data"
_REQUIRED = (
    "name",
    "file",
    "description",
    "upstream",
    "url",
    "date",
    "licence",
    "attribution",
    "records",
    "bytes",
    "sha256",
)
_OPTIONAL = ("nested_rows",)


class DatasetError(ComityError):
    """A bundled dataset file is missing, unreadable or fails its checksum."""

    def __init__(self, message: str, *, file: Path) -> None:
        super().__init__(message, field=str(file))
        self.file = file


@dataclass(frozen=True)
class DatasetStatus:
    name: str
    file: str
    description: str
    upstream: str
    url: str
    date: str
    licence: str
    records: int | None
    bytes: int | None
    healthy: bool
    problem: str | None


def data_dir() -> Path:
    """The folder holding the tables: COMITY_IPDATA_DIR (tests, operators), else the
    last `comity data update` in $COMITY_HOME/ipdata, else the bundled snapshot."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    from comity.core.settings import get_settings

    updated = get_settings().home / "ipdata"
    return updated if (updated / "sources.yaml").is_file() else _PACKAGE_DATA


def read_sources(folder: Path) -> list[dict[str, Any]]:
    """Parse sources.yaml strictly: unknown or missing keys fail with the entry named."""
    path = folder / "sources.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DatasetError(f"cannot read {path}: {exc}", file=path) from exc
    entries = data.get("datasets") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise DatasetError(f"{path}: expected a mapping with a `datasets` list", file=path)
    for number, entry in enumerate(entries, start=1):
        keys = set(entry) if isinstance(entry, dict) else set()
        missing = set(_REQUIRED) - keys
        unknown = keys - set(_REQUIRED) - set(_OPTIONAL)
        if missing or unknown:
            raise DatasetError(
                f"{path}: dataset {number}: missing keys {sorted(missing)}, "
                f"unknown keys {sorted(unknown)}",
                file=path,
            )
    return entries


def _entry(folder: Path, name: str) -> dict[str, Any]:
    for entry in read_sources(folder):
        if entry["name"] == name:
            return entry
    path = folder / "sources.yaml"
    raise DatasetError(f"{path}: no dataset named {name!r}", file=path)


def _verified_bytes(folder: Path, entry: dict[str, Any]) -> bytes:
    path = folder / str(entry["file"])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(
            f"dataset file {path} is missing or unreadable: {exc}", file=path
        ) from exc
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise DatasetError(
            f"dataset file {path} is corrupt: sha256 does not match sources.yaml", file=path
        )
    return raw


def load_npz(folder: Path, name: str) -> dict[str, npt.NDArray[Any]]:
    """Arrays of dataset `name`, after the checksum check."""
    entry = _entry(folder, name)
    path = folder / str(entry["file"])
    raw = _verified_bytes(folder, entry)
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DatasetError(
            f"dataset file {path} is not a readable table: {exc}", file=path
        ) from exc


def load_yaml(folder: Path, name: str) -> Any:
    entry = _entry(folder, name)
    path = folder / str(entry["file"])
    try:
        return yaml.safe_load(_verified_bytes(folder, entry).decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DatasetError(f"dataset file {path} is not valid YAML: {exc}", file=path) from exc


def _status(folder: Path, entry: dict[str, Any]) -> DatasetStatus:
    problem = None
    try:
        if str(entry["file"]).endswith(".npz"):
            load_npz(folder, entry["name"])
        else:
            load_yaml(folder, entry["name"])
    except DatasetError as exc:
        problem = exc.message
    return DatasetStatus(
        name=entry["name"],
        file=str(folder / entry["file"]),
        description=entry["description"],
        upstream=entry["upstream"],
        url=entry["url"],
        date=str(entry["date"]),
        licence=entry["licence"],
        records=entry["records"],
        bytes=entry["bytes"],
        healthy=problem is None,
        problem=problem,
    )


def _iptocc_status() -> DatasetStatus:
    """iptocc embeds its RIR data in the wheel; its build date is in the wheel's SBOM."""
    problem = None
    version = date = "unknown"
    try:
        import iptocc

        version = metadata.version("iptocc")
        if iptocc.country_code("8.8.8.8") is None:
            problem = "iptocc answers nothing for 8.8.8.8: its embedded data looks empty"
        dist = metadata.distribution("iptocc")
        for file in dist.files or []:
            if file.name.endswith(".cyclonedx.json"):
                sbom = json.loads(Path(str(dist.locate_file(file))).read_text(encoding="utf-8"))
                date = str(sbom.get("metadata", {}).get("timestamp", "unknown"))[:10]
    except (ImportError, metadata.PackageNotFoundError, OSError, ValueError) as exc:
        problem = f"iptocc unavailable: {exc}"
    return DatasetStatus(
        name="iptocc",
        file=f"(installed package iptocc {version})",
        description="IP -> country of registration (primary country source)",
        upstream="RIR delegated statistics (AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC) via iptocc",
        url="https://github.com/roniemartinez/IPToCC",
        date=date,
        licence="MIT OR Apache-2.0 (package); RIR statistics are public",
        records=None,
        bytes=None,
        healthy=problem is None,
        problem=problem,
    )


def health(folder: Path | None = None) -> list[DatasetStatus]:
    """Status of every dataset; never raises, so start-up can say "attribution degraded"."""
    folder = folder or data_dir()
    try:
        entries = read_sources(folder)
    except DatasetError as exc:
        broken = DatasetStatus(
            name="sources",
            file=str(exc.file),
            description="dataset index",
            upstream="",
            url="",
            date="",
            licence="",
            records=None,
            bytes=None,
            healthy=False,
            problem=exc.message,
        )
        return [broken, _iptocc_status()]
    return [_status(folder, entry) for entry in entries] + [_iptocc_status()]
