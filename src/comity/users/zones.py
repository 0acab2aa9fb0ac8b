"""IANA time zones a person may choose for the dates they read (issue 16 item 5).

A name is accepted only if it is one of the zones this machine's tz database
lists: membership in that list, not `ZoneInfo(name)`, is the check, so that no
text typed by a user ever becomes a file path (ZoneInfo opens files under the
tz path, and answers "../../etc/passwd" or a 300-character name with
ValueError or OSError rather than "not found").
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

__all__ = ["canonical_zone", "offset_label", "pickable_zones"]

# Entries of the tz folder that are not places: "localtime" is this machine's own
# setting (a link that differs from machine to machine), "Factory" shows "-00".
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
# The areas of the tz database's geographic names; the others are legacy links
# ("US/Pacific", "GB", "Etc/GMT-5" whose sign reads backwards), still accepted.
_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


@lru_cache(maxsize=1)
def _known() -> dict[str, str]:
    """Lower-cased name -> the tz database's spelling (read once: it walks a folder)."""
    return {name.lower(): name for name in available_timezones() - _NOT_PLACES}


def canonical_zone(name: str) -> str | None:
    """The tz database's spelling of `name` ("asia/almaty" -> "Asia/Almaty"), or None."""
    return _known().get(name.strip().lower()) if len(name) <= 64 else None


@lru_cache(maxsize=1)
def pickable_zones() -> tuple[str, ...]:
    """The zones a settings page offers: the places, sorted, and UTC."""
    places = (n for n in _known().values() if n.split("/", 1)[0] in _AREAS and "/" in n)
    return ("UTC", *sorted(places))


def offset_label(name: str, at: datetime) -> str:
    """ "UTC+05:00" for a zone at an instant (the offset people compare zones by)."""
    offset = at.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
