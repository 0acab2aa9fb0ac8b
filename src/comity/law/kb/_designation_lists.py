"""Check each provision version's `designation_lists` against the register's lists.

Why a check of its own: a provision that names the lists it accepts is only as
good as the names; a typo would silently leave the designation fact open. The
lists come from the register being loaded (or the bundled one when a folder of
jurisdictions is checked on its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from comity.law.countries import EU
from comity.law.kb._kbfiles import LISTS_FILE, REGISTER_DIR
from comity.law.kb._validate import Parsed
from comity.law.kb.checks import _kline
from comity.law.kb.yamlio import KBError, MarkedDict, read_yaml

__all__ = ["check_designation_lists", "list_jurisdictions"]


def list_jurisdictions(root: Path) -> dict[str, str]:
    """{list id: jurisdiction} of the register under `root` (empty if none or unreadable:
    the register's own validation reports why)."""
    data, errors = read_yaml(root / REGISTER_DIR / LISTS_FILE, display="")
    if errors or not isinstance(data, dict) or not isinstance(data.get("lists"), list):
        return {}
    return {
        str(item["id"]): str(item.get("jurisdiction"))
        for item in data["lists"]
        if isinstance(item, dict) and "id" in item
    }


def _check_version(
    shown: str, provision: MarkedDict, version: MarkedDict, lists: Mapping[str, str]
) -> list[KBError]:
    line = _kline(version, "designation_lists")
    if not provision.get("requires_host_designation", False):
        return [
            KBError(
                shown,
                line,
                "designation_lists_without_designation",
                f"provision {provision['id']} names designation_lists but does not set "
                "requires_host_designation: true",
            )
        ]
    own = provision["id"].split(".", 1)[0]
    out = []
    for name in version["designation_lists"]:
        code = lists.get(name)
        if code is None:
            out.append(
                KBError(
                    shown,
                    line,
                    "unknown_designation_list",
                    f"designation_lists of {provision['id']}: unknown list '{name}'; valid "
                    f"(from {REGISTER_DIR}/{LISTS_FILE}): " + (", ".join(sorted(lists)) or "none"),
                )
            )
        elif code not in (own, EU):
            out.append(
                KBError(
                    shown,
                    line,
                    "foreign_designation_list",
                    f"designation_lists of {provision['id']}: '{name}' is a list of {code}; a "
                    f"provision of {own} can accept only {own}'s own lists or the EU's",
                )
            )
    return out


def check_designation_lists(parsed: list[Parsed], lists: Mapping[str, str]) -> list[KBError]:
    errors: list[KBError] = []
    for item in parsed:
        if item.kind != "provisions":
            continue
        for provision in item.data["provisions"]:
            for version in provision["versions"]:
                if "designation_lists" in version:
                    errors.extend(_check_version(item.display, provision, version, lists))
    return errors
