"""Charts: deterministic, accessible, text kept as text, nothing executable."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from comity.reports import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    {"key": "<script>alert(1)</script>", "rate": 0.5, "removed": 1, "n": 2},
    {"key": '" onload="alert(2)', "rate": 1.0, "removed": 3, "n": 3},
    {"key": "$\\frac{1}{2}$ & Co", "rate": 0.0, "removed": 0, "n": 1},
]
FIGURES = {
    "removal_rate_by_host": HOSTILE,
    "removal_rate_by_channel": [{"key": "mla_request", "rate": 0.25, "removed": 1, "n": 4}],
    "days_to_removal": {"values": [0.0, 3.0, 8.0, 30.0, 90.0]},
    "funnel": {"stages": [{"stage": "reported", "items": 12}, {"stage": "sent", "items": 10}]},
    "refusals_by_reason": {"reasons": [{"reason": "protected_expression", "count": 1}]},
}


def _assert_safe(svg: str) -> ET.Element:
    assert not re.search(r"<\s*script", svg, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", svg, re.IGNORECASE)
    assert "style=" not in svg and "<style" not in svg  # CSP without 'unsafe-inline'
    root = ET.fromstring(svg)  # well-formed XML
    for element in root.iter():
        assert element.tag.split("}")[-1] not in {"script", "foreignObject"}
        assert not any(a.lower().startswith("on") for a in element.attrib)
    return root


@pytest.mark.parametrize(
    "name", ["removal_by_host", "removal_by_channel", "days_to_removal", "funnel", "refusals"]
)
def test_every_dashboard_chart_is_sanitised_and_accessible(name: str) -> None:
    svg = charts.dashboard_charts(FIGURES)[name]
    root = _assert_safe(svg)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert set(root.get("aria-labelledby", "").split()) == {title.get("id"), desc.get("id")}
    assert root.findall(f".//{SVG}text"), "labels must stay <text>, not paths"


def test_hostile_labels_are_text_and_mathtext_is_off() -> None:
    svg = charts.removal_rate_chart(HOSTILE, title="Removal rate by host state")
    root = _assert_safe(svg)
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "<script>alert(1)</script>" in texts
    assert "$\\frac{1}{2}$ & Co" in texts  # a dollar is a dollar, not TeX
    assert "(1/2)" in texts  # the observations behind each bar are printed


def test_same_data_same_bytes_and_no_dates() -> None:
    first = charts.dashboard_charts(FIGURES)
    assert first == charts.dashboard_charts(FIGURES)
    for svg in first.values():
        assert not re.search(r"\d{4}-\d{2}-\d{2}", svg)
        assert "<metadata" not in svg and "Matplotlib v" not in svg


def test_histogram_bins_and_description() -> None:
    svg = charts.days_histogram([0.0, 3.0, 8.0, 30.0, 90.0], title="Days to removal")
    desc = ET.fromstring(svg).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == (
        "0 days: 1; 1-6 days: 1; 7-13 days: 1; 14-20 days: 0; 21-27 days: 0; "
        "28-41 days: 1; 42-55 days: 0; 56+ days: 1 (n=5)"
    )


def test_empty_chart_still_renders() -> None:
    svg = charts.refusals_chart([], title="Refusals by reason")
    root = _assert_safe(svg)
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "No data."


def test_table_fallback_escapes() -> None:
    table = charts.table_html("Hosts <b>", ["host", "rate"], [["<img src=x>", "50%"]])
    assert "<img" not in table and "&lt;img src=x&gt;" in table
    assert "<caption>Hosts &lt;b&gt;</caption>" in table
