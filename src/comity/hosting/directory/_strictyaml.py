"""Strict loading of the bundled directory files: a typo must fail loudly, with file and line.

PyYAML silently keeps the last of two duplicate keys and accepts any key;
a directory that maps a platform to the wrong country because of a typo would
send a request to the wrong state.  So: duplicate keys, unknown keys, missing
keys and bad dates are errors naming the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from comity.core.errors import ComityError

__all__ = ["DirectoryDataError", "check_country", "check_keys", "load_entries"]

_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Codes that look like ISO 3166-1 alpha-2 but are not (UK is GB; EU is not a country of
# establishment).
_NOT_ISO = {"UK", "EU", "EL"}


class DirectoryDataError(ComityError):
    """A bundled data file is missing or malformed (attribution is degraded)."""


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DirectoryDataError(
                    f"{self.name}: line {key_node.start_mark.line + 1}: duplicate key {key!r}"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_entries(path: Path, list_key: str) -> tuple[dict[str, Any], list[tuple[int, Any]]]:
    """Return the top-level mapping (without `list_key`) and each list entry with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DirectoryDataError(f"{path}: cannot read ({exc.strerror})") from None
    loader = _StrictLoader(text)
    loader.name = str(path)
    try:
        root = loader.get_single_node()
        if not isinstance(root, yaml.MappingNode):
            raise DirectoryDataError(f"{path}: top level must be a mapping")
        header: dict[str, Any] = {}
        entries: list[tuple[int, Any]] = []
        for key_node, value_node in root.value:
            key = loader.construct_object(key_node, deep=True)
            if key in header or (key == list_key and entries):
                raise DirectoryDataError(
                    f"{path}: line {key_node.start_mark.line + 1}: duplicate key {key!r}"
                )
            if key == list_key:
                if not isinstance(value_node, yaml.SequenceNode):
                    raise DirectoryDataError(f"{path}: {list_key!r} must be a list")
                for item in value_node.value:
                    value = loader.construct_object(item, deep=True)
                    entries.append((item.start_mark.line + 1, value))
            else:
                header[key] = loader.construct_object(value_node, deep=True)
    except yaml.YAMLError as exc:
        raise DirectoryDataError(f"{path}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    return header, entries


def check_keys(
    where: str, entry: Any, *, required: Iterable[str], optional: Iterable[str] = ()
) -> dict[str, Any]:
    """The entry must be a mapping with all `required` keys and nothing unknown."""
    if not isinstance(entry, dict):
        raise DirectoryDataError(f"{where}: entry must be a mapping")
    required = set(required)
    allowed = required | set(optional)
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise DirectoryDataError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))} "
            f"(valid: {', '.join(sorted(allowed))})"
        )
    missing = sorted(required - set(entry))
    if missing:
        raise DirectoryDataError(f"{where}: missing key(s) {', '.join(missing)}")
    return entry


def check_country(where: str, value: Any, *, nullable: bool = True) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not _COUNTRY.match(value) or value in _NOT_ISO:
        raise DirectoryDataError(
            f"{where}: country {value!r} is not an ISO 3166-1 alpha-2 code (e.g. GB, not UK)"
        )
    return value


def check_date(where: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    raise DirectoryDataError(f"{where}: {value!r} is not a date (YYYY-MM-DD)")
