"""Charts as SVG strings: pure functions from figures to markup, the same bytes every time.

Built with matplotlib's object API (no pyplot: no global figure state, safe
in a web worker). Deterministic: a fixed `svg.hashsalt`, no creation date, no
generator metadata. Accessible: text stays text (`svg.fonttype: none`) so it
can be read, searched and translated; each SVG carries `role="img"`, a
<title> and a <desc> summarising the data; `table_html` is the table fallback.
Embeddable under a strict Content-Security-Policy: inline `style` attributes
and the <style> element become SVG presentation attributes (a CSP without
'unsafe-inline' blocks the former), and `_sanitise` refuses any script or
event-handler attribute.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any, cast

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

__all__ = [
    "PALETTE",
    "bar_chart",
    "dashboard_charts",
    "days_histogram",
    "funnel_chart",
    "refusals_chart",
    "removal_rate_chart",
    "table_html",
]

# Our own colours (navy, terracotta, teal, slate): readable in greyscale print.
PALETTE = {
    "main": "#1f4e79",
    "accent": "#c8553d",
    "ok": "#2a7f62",
    "muted": "#8d99ae",
    "text": "#1b1b1b",
    "grid": "#d9dde3",
}
_RC: dict[str, Any] = {
    "svg.hashsalt": "comity",
    "svg.fonttype": "none",
    "text.parse_math": False,  # a '$' in a label is a dollar, not TeX
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.edgecolor": PALETTE["muted"],
    "text.color": PALETTE["text"],
    "axes.labelcolor": PALETTE["text"],
    "xtick.color": PALETTE["text"],
    "ytick.color": PALETTE["text"],
}
_LOCK = threading.Lock()  # rcParams are process-global
_STYLE = re.compile(r'\sstyle="([^"]*)"')
_UNSAFE = re.compile(r"<\s*script|<\s*foreignObject|\son[a-z]+\s*=", re.IGNORECASE)


def _attributes(match: re.Match[str]) -> str:
    parts = []
    for declaration in match.group(1).split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() and value.strip():
            parts.append(f' {name.strip()}="{html.escape(value.strip(), quote=True)}"')
    return "".join(parts)


def _text_nodes(match: re.Match[str]) -> str:
    # Quotes and '=' in label text are entity-encoded: the same glyphs on screen,
    # but a data label such as '" onload="x' can no longer look like an
    # attribute to any naive scanner (or a broken downstream re-parser).
    text = match.group(1).replace('"', "&quot;").replace("'", "&#39;").replace("=", "&#61;")
    return f">{text}<"


def _sanitise(svg: str) -> str:
    """Refuse scripts, foreign HTML and event handlers; checked on the parsed tree."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output, no DTD or entities
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        bad_attr = any(
            str(k).rsplit("}", 1)[-1].lower().startswith("on") or "javascript:" in v.lower()
            for k, v in element.attrib.items()
        )
        if tag in {"script", "foreignobject", "iframe"} or bad_attr:
            raise ValueError("chart SVG contains script or an event handler: refusing to emit it")
    if _UNSAFE.search(svg):
        raise ValueError("chart SVG contains script or an event handler: refusing to emit it")
    return svg


def _finish(fig: Figure, *, title: str, desc: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = re.sub(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.DOTALL)
    svg = _STYLE.sub(_attributes, svg)
    key = "c" + hashlib.sha256((title + desc).encode()).hexdigest()[:10]
    head = (
        f'<svg role="img" aria-labelledby="{key}-t {key}-d" '
        f'stroke-linejoin="round" stroke-linecap="butt" '
    )
    svg = svg.replace("<svg ", head, 1)
    svg = re.sub(
        r"(<svg[^>]*>)",
        lambda m: (
            f'{m.group(1)}\n <title id="{key}-t">{html.escape(title)}</title>'
            f'\n <desc id="{key}-d">{html.escape(desc)}</desc>'
        ),
        svg,
        count=1,
    )
    svg = re.sub(r">([^<]*)<", _text_nodes, svg)
    return _sanitise(svg.strip() + "\n")


def _figure(rows: int) -> Figure:
    return Figure(figsize=(6.4, max(1.6, 0.9 + 0.32 * rows)), layout="constrained")


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    value_label: str = "",
    percent: bool = False,
    notes: Sequence[str] | None = None,
    colour: str = PALETTE["main"],
) -> str:
    """Horizontal bars, first label at the top; `notes` are printed at each bar's end."""
    shown = [f"{v:.0%}" if percent else f"{v:g}" for v in values]
    tails = [f"{s} {n}".strip() for s, n in zip(shown, notes or [""] * len(values), strict=True)]
    desc = "; ".join(f"{lab}: {t}" for lab, t in zip(labels, tails, strict=True)) or "No data."
    with _LOCK, matplotlib.rc_context(cast(Any, _RC)):
        fig = _figure(len(labels))
        ax = fig.add_subplot()
        ax.set_title(title, loc="left", fontsize=11)
        if not labels:
            ax.text(0.5, 0.5, "—", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return _finish(fig, title=title, desc=desc)
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, values, color=colour, height=0.6)
        ax.set_yticks(positions, labels=list(labels))
        top = max(1.0 if percent else 0.0, *values) or 1.0
        ax.set_xlim(0, top * 1.25)
        for y, value, tail in zip(positions, values, tails, strict=True):
            ax.text(value + top * 0.01, y, tail, va="center", fontsize=8)
        if percent:
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(value_label)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="x", color=PALETTE["grid"], linewidth=0.6)
        ax.set_axisbelow(True)
        return _finish(fig, title=title, desc=desc)


def removal_rate_chart(rows: Sequence[Mapping[str, Any]], *, title: str) -> str:
    """Rows as in `dashboard()['removal_rate_by_host']`: key, rate, removed, n."""
    return bar_chart(
        [str(r["key"]) for r in rows],
        [float(r["rate"]) for r in rows],
        title=title,
        percent=True,
        notes=[f"({r['removed']}/{r['n']})" for r in rows],
    )


def funnel_chart(stages: Sequence[Mapping[str, Any]], *, title: str) -> str:
    return bar_chart(
        [str(s["stage"]) for s in stages],
        [float(s["items"]) for s in stages],
        title=title,
        colour=PALETTE["ok"],
    )


def refusals_chart(reasons: Sequence[Mapping[str, Any]], *, title: str) -> str:
    return bar_chart(
        [str(r["reason"]) for r in reasons],
        [float(r["count"]) for r in reasons],
        title=title,
        colour=PALETTE["accent"],
    )


def days_histogram(values: Sequence[float], *, title: str, unit: str = "days") -> str:
    """Distribution of days to removal: weekly bins up to 8 weeks, then one open bin."""
    edges = [0, 1, 7, 14, 21, 28, 42, 56]
    names = ["0", "1-6", "7-13", "14-20", "21-27", "28-41", "42-55", "56+"]
    counts = [0] * len(names)
    for value in values:
        index = sum(1 for edge in edges[1:] if value >= edge)
        counts[index] += 1
    summary = f"{unit}; n={len(values)}"
    with _LOCK, matplotlib.rc_context(cast(Any, _RC)):
        fig = Figure(figsize=(6.4, 2.6), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(title, loc="left", fontsize=11)
        ax.bar(range(len(names)), counts, color=PALETTE["main"], width=0.8)
        ax.set_xticks(range(len(names)), labels=names)
        ax.set_xlabel(summary)
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        desc = "; ".join(f"{n} {unit}: {c}" for n, c in zip(names, counts, strict=True))
        return _finish(fig, title=title, desc=f"{desc} (n={len(values)})")


def dashboard_charts(
    figures: Mapping[str, Any], titles: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every dashboard chart from `reports.service.dashboard()`'s result, by name."""
    t = {
        "removal_by_host": "Removal rate by host state",
        "removal_by_channel": "Removal rate by channel",
        "days_to_removal": "Days to removal",
        "funnel": "From report to removal (items)",
        "refusals": "Refusals by reason",
    } | dict(titles or {})
    rate, reasons = figures["removal_rate_by_host"], figures["refusals_by_reason"]["reasons"]
    return {
        "removal_by_host": removal_rate_chart(rate, title=t["removal_by_host"]),
        "removal_by_channel": removal_rate_chart(
            figures["removal_rate_by_channel"], title=t["removal_by_channel"]
        ),
        "days_to_removal": days_histogram(
            figures["days_to_removal"]["values"], title=t["days_to_removal"]
        ),
        "funnel": funnel_chart(figures["funnel"]["stages"], title=t["funnel"]),
        "refusals": refusals_chart(reasons, title=t["refusals"]),
    }


def table_html(caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The accessible fallback: an escaped HTML table of the same figures."""
    head = "".join(f'<th scope="col">{html.escape(str(h))}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
