"""Extension points other domains plug into without editing the cases domain.

A domain adds a module `comity/<domain>/cases_hooks.py` that calls the
`register_*` functions below at import; `load_hooks()` imports every such
module once. Three kinds of hook:

- item sections: `register_item_section("evidence", fn)` adds the key
  `evidence` to `comity item show --json` (fn(session, item) -> JSON value);
- fact sources: fn(session, item) -> dict with any of `cdn` (str, the CDN's
  name), `shared_host_domains` (int) — the hosting facts the safeguards need,
  e.g. read from the latest stored attribution;
- refusal sources: fn(session, content_sha256, host) -> list of dicts with
  `kind`, `ref`, `item_id` — earlier refusals of the same content by that host
  (the tracking domain records the hosts' answers);
- hold sources: fn(session, item) -> list of dicts with `id`, `state`,
  `until` (ISO date), `legal_basis`, `scope` — deconfliction holds whose scope
  covers the item; the `deconfliction_hold` safeguard compares `until` with now.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from comity.intake.models import Item

__all__ = [
    "FactSource",
    "HoldSource",
    "RefusalSource",
    "SectionFn",
    "fact_sources",
    "hold_sources",
    "item_sections",
    "load_hooks",
    "refusal_sources",
    "register_fact_source",
    "register_hold_source",
    "register_item_section",
    "register_refusal_source",
]

SectionFn = Callable[[Session, Item], Any]
FactSource = Callable[[Session, Item], dict[str, Any]]
RefusalSource = Callable[[Session, str, str], list[dict[str, Any]]]
HoldSource = Callable[[Session, Item], list[dict[str, Any]]]

_SECTIONS: dict[str, SectionFn] = {}
_FACTS: dict[str, FactSource] = {}
_REFUSALS: dict[str, RefusalSource] = {}
_HOLDS: dict[str, HoldSource] = {}
# Keys `item show` itself writes: a plug-in may not replace them.
RESERVED = frozenset({"item", "reports", "cases", "proposals", "history"})
_loaded = False


def register_item_section(name: str, fn: SectionFn) -> None:
    """Add (or replace, on re-import) the section `name` of `item show`."""
    if name in RESERVED:
        raise ValueError(f"item section {name!r} is built in")
    _SECTIONS[name] = fn


def register_fact_source(name: str, fn: FactSource) -> None:
    _FACTS[name] = fn


def register_refusal_source(name: str, fn: RefusalSource) -> None:
    _REFUSALS[name] = fn


def register_hold_source(name: str, fn: HoldSource) -> None:
    _HOLDS[name] = fn


def load_hooks() -> None:
    """Import `comity.<domain>.cases_hooks` for every domain that has one (once)."""
    global _loaded
    if _loaded:
        return
    import comity

    # Look for the file first: importing every domain package just to ask
    # would load code (and its dependencies) that `item show` never needs.
    for base in comity.__path__:
        for module in pkgutil.iter_modules([base]):
            if module.ispkg and (Path(base) / module.name / "cases_hooks.py").is_file():
                importlib.import_module(f"comity.{module.name}.cases_hooks")
    _loaded = True


def item_sections() -> dict[str, SectionFn]:
    load_hooks()
    return dict(sorted(_SECTIONS.items()))


def fact_sources() -> list[FactSource]:
    load_hooks()
    return [fn for _, fn in sorted(_FACTS.items())]


def refusal_sources() -> list[RefusalSource]:
    load_hooks()
    return [fn for _, fn in sorted(_REFUSALS.items())]


def hold_sources() -> list[HoldSource]:
    load_hooks()
    return [fn for _, fn in sorted(_HOLDS.items())]
