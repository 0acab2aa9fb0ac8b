"""The list of tracking query parameters, loaded from `data/tracking_params.txt`."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

__all__ = ["has_tracking_param", "is_tracking_param"]


@lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], tuple[str, ...]]:
    text = resources.files("comity.urls").joinpath("data", "tracking_params.txt").read_text("utf-8")
    names: set[str] = set()
    prefixes: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip().lower()
        if line.endswith("*"):
            prefixes.append(line[:-1])
        elif line:
            names.add(line)
    return frozenset(names), tuple(prefixes)


@lru_cache(maxsize=4096)
def is_tracking_param(name: str) -> bool:
    """True when a (percent-normalised) query parameter name only tracks clicks."""
    names, prefixes = _rules()
    lowered = name.lower()
    return lowered in names or lowered.startswith(prefixes)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names, prefixes = _rules()
    alternatives = [re.escape(n) for n in sorted(names)]
    alternatives += [re.escape(p) + "[^=&]*" for p in prefixes]
    return re.compile(r"(?:^|&)(?:" + "|".join(alternatives) + r")(?:[=&]|$)", re.IGNORECASE)


def has_tracking_param(query: str) -> bool:
    """Fast pre-check on an already-normalised query string."""
    return _pattern().search(query) is not None
