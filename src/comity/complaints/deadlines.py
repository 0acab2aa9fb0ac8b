"""The time allowed for each step of a complaint, read strictly from data/deadlines.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

from comity.core.errors import BadInput

__all__ = ["STEPS", "Step", "due", "load", "steps"]

STEPS = ("decision", "tell_addressee")
_FILE = Path(__file__).with_name("data") / "deadlines.yaml"
_KEYS = {"days", "counts_from", "basis", "source", "text", "confidence", "note"}
_BASES = ("law", "policy")


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    days: int
    counts_from: str
    basis: str
    source: str | None
    text: str | None
    confidence: str
    note: str | None


def load(path: Path) -> dict[str, Step]:
    """Every step, or BadInput naming the file and the step."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if set(raw) != {"steps"}:
        raise BadInput(f"{path}: one top-level key, 'steps'")
    out: dict[str, Step] = {}
    for name, body in (raw["steps"] or {}).items():
        where = f"{path}: steps.{name}"
        if name not in STEPS:
            raise BadInput(f"{where}: unknown step; valid: {', '.join(STEPS)}")
        if not isinstance(body, dict) or set(body) != _KEYS:
            raise BadInput(f"{where}: keys must be exactly {', '.join(sorted(_KEYS))}")
        if not isinstance(body["days"], int) or body["days"] < 1:
            raise BadInput(f"{where}.days: a whole number of days, 1 or more")
        if body["basis"] not in _BASES:
            raise BadInput(f"{where}.basis: one of {', '.join(_BASES)}")
        if body["basis"] == "law" and not (body["source"] and body["text"]):
            raise BadInput(f"{where}: a time limit in law cites its source and quotes its text")
        out[name] = Step(name=name, **body)
    missing = [s for s in STEPS if s not in out]
    if missing:
        raise BadInput(f"{path}: steps missing: {', '.join(missing)}")
    return out


@cache
def steps() -> dict[str, Step]:
    return load(_FILE)


def due(step: str, start: date) -> date:
    return start + timedelta(days=steps()[step].days)
