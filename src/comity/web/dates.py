"""Dates as people read them: "8 Dec 2026, 14:05 UTC" / "08.12.2026 14:05 UTC", and
deadlines relative to now ("in 3 days", "2 days late") in the page's language.

Times are stored in UTC and shown in the reader's time zone (users.time_zone,
chosen on /account) or else the installation's (setting `time_zone`, default
UTC), with the zone named; `comity.web.render.dates` picks it. Each value is a
`<time>` element whose `datetime` attribute keeps the exact instant for machines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from comity.web.i18n import translator

__all__ = ["Dates"]

_ISO_DAY = re.compile(r"(?<![\w.-])\d{4}-\d{2}-\d{2}(?![\w:-])")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _instant(value: Any) -> datetime | date | None:
    if isinstance(value, str):
        try:
            # A day ("2026-12-08") is a day, not midnight UTC shown in another zone.
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # stored naive values are UTC
    return value if isinstance(value, (datetime, date)) else None


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _zone_name(moment: datetime) -> str:
    """ "UTC", "CET", or "UTC+05" where the zone has no letters of its own."""
    name = moment.tzname() or "UTC"
    return name if name.isalpha() else f"UTC{name}"


@dataclass(frozen=True)
class Dates:
    lang: str
    now: datetime
    tz: str = "UTC"  # IANA name: the user's zone, else settings.time_zone

    def _day(self, d: date) -> str:
        if self.lang == "en":
            return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
        return f"{d.day:02d}.{d.month:02d}.{d.year}"

    def text(self, value: Any) -> str:
        moment = _instant(value)
        if moment is None:
            return "—" if value in (None, "") else str(value)
        if not isinstance(moment, datetime):
            return self._day(moment)
        moment = moment.astimezone(_zone(self.tz))
        sep = ", " if self.lang == "en" else " "
        zone = _zone_name(moment)
        return f"{self._day(moment)}{sep}{moment.hour:02d}:{moment.minute:02d} {zone}"

    def at(self, value: Any) -> Markup:
        """A date (and time) in words, with the exact instant in `datetime`."""
        moment = _instant(value)
        if moment is None:
            return Markup("{}").format(self.text(value))
        # Concatenated, not Markup.format: a case file shows a few hundred dates.
        # (Markup + str escapes the str.)
        return (
            Markup('<time datetime="')
            + moment.isoformat()
            + Markup('">')
            + self.text(moment)
            + Markup("</time>")
        )

    def in_text(self, text: str | None) -> str:
        """A sentence written with ISO days ("in force since 2003-03-26", from the law
        engine) with each day as the page shows days."""
        if not text:
            return ""
        return _ISO_DAY.sub(lambda m: self.text(m.group(0)), text)

    def relative(self, value: Any) -> str:
        """ "in 3 days", "2 days late", "today" for a deadline."""
        moment = _instant(value)
        if moment is None:
            return ""
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        t = translator(self.lang)
        seconds = (moment - self.now.astimezone(UTC)).total_seconds()
        hours = abs(seconds) / 3600
        if hours < 1:
            return t("when.now")
        ahead = seconds > 0
        if hours < 24:
            return t("when.in_hours" if ahead else "when.late_hours", n=int(hours))
        days = int(hours // 24)
        if days == 1:
            return t("when.in_day" if ahead else "when.late_day")
        return t("when.in_days" if ahead else "when.late_days", n=days)

    def due(self, value: Any, *, open_: bool = True) -> Markup:
        """The deadline's date, and while it still runs how far away (or late) it is."""
        shown = self.at(value)
        if not open_ or _instant(value) is None:
            return shown
        words = self.relative(value)
        late = _instant(value) is not None and self._late(value)
        cls = "due late" if late else "due"
        return Markup('{} <span class="{}">({})</span>').format(shown, cls, words)

    def _late(self, value: Any) -> bool:
        moment = _instant(value)
        if isinstance(moment, datetime):
            return moment < self.now.astimezone(UTC)
        return moment is not None and moment < self.now.date()
