"""Benchmark: a dossier in every template language, and all of a dossier's files.

Two goals of issue 15 (languages):

- the 5,000-item dossier renders to PDF in under 5 s in every language
  (each language's own fixed texts, dates and names; the annex is the cost);
- all of one dossier's languages and formats, 500 items, under 10 s: a note
  to Canada (its English and French, then the sender's Kazakh and Russian)
  in PDF, DOCX, JSON and CSV, as `issue` renders them.

    .venv/bin/python bench/bench_dossier_languages.py [--quick] [--items N] [--kind K]

`--kind` is note_verbale (default), eu_removal_order (Annex I form per provider
before the table) or letter_of_request. Writes
bench/results/dossier-languages[-<kind>].json and .md. Same URLs and items as
bench/bench_dossier.py (Citizen Lab test lists, benchmark use only).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dossier import _CHANNELS, RESULTS, _cpu, _pages, build
from comity.dossiers.build import parties
from comity.dossiers.languages import template_languages
from comity.dossiers.render import formats_for, render_docx, render_pdf
from comity.dossiers.schemas import Dossier, Party


def _named(party: Party, entry: dict[str, str] | None) -> Party:
    if entry is None:
        return party
    return dataclasses.replace(
        party,
        name=entry["name"],
        name_dative=entry.get("dative", entry["name"]),
        name_subject=entry.get("subject", ""),
        possessive=entry.get("possessive", ""),
    )


def in_language(dossier: Dossier, language: str) -> Dossier:
    """`dossier` in `language`, its sender and addressee named as parties.yaml names them."""
    names = parties()["authorities"]
    sender = _named(dossier.sender, names["KZ.MFA"].get(language))
    addressee = _named(dossier.addressee, names["DE.AA"].get(language))
    if language == "en":
        sender = dataclasses.replace(
            sender, name="Ministry of Foreign Affairs of the Republic of Kazakhstan"
        )
        addressee = dataclasses.replace(addressee, name="Federal Foreign Office", name_dative="")
    return dataclasses.replace(dossier, language=language, sender=sender, addressee=addressee)


def _timed(func: Any, *args: Any) -> tuple[Any, float, float]:
    cpu, started = _cpu(), time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - started, _cpu() - cpu


def per_language(count: int, kind: str) -> dict[str, Any]:
    base = build(count, "ru", kind)
    out: dict[str, Any] = {}
    for language in template_languages():
        dossier = in_language(base, language)
        pdf, seconds, cpu = _timed(render_pdf, dossier)
        _, docx_seconds, docx_cpu = _timed(render_docx, dossier)
        out[language] = {
            "pdf_seconds": round(seconds, 3),
            "pdf_cpu_seconds": round(cpu, 3),
            "pages": _pages(pdf),
            "docx_seconds": round(docx_seconds, 3),
            "docx_cpu_seconds": round(docx_cpu, 3),
        }
        print(f"{language}: PDF {seconds:.2f} s (CPU {cpu:.2f}), DOCX {docx_seconds:.2f} s")
    return out


def whole_dossier(count: int, languages: tuple[str, ...], kind: str) -> dict[str, Any]:
    base = build(count, "ru", kind)

    def render_all() -> int:
        files = 0
        for language in languages:
            dossier = in_language(base, language)
            for render in formats_for(dossier).values():
                render(dossier)
                files += 1
        return files

    files, seconds, cpu = _timed(render_all)
    print(f"{count} items, {'+'.join(languages)}, {files} files: {seconds:.2f} s (CPU {cpu:.2f})")
    return {
        "items": count,
        "languages": list(languages),
        "files": files,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="500 items instead of 5,000")
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--kind", choices=sorted(_CHANNELS), default="note_verbale")
    args = parser.parse_args()
    count = args.items or (500 if args.quick else 5000)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    render_pdf(build(3))  # warm-up: fonts load once per process
    load_start = os.getloadavg()
    languages = per_language(count, args.kind)
    canada = whole_dossier(500, ("en", "fr", "kk", "ru"), args.kind)
    slowest = max(languages, key=lambda lang: languages[lang]["pdf_seconds"])
    slowest_cpu = max(languages, key=lambda lang: languages[lang]["pdf_cpu_seconds"])
    result = {
        "date": date.today().isoformat(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load_start],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "kind": args.kind,
        "items_per_language": count,
        "languages": languages,
        "whole_dossier": canada,
        "goals": {
            "pdf_per_language_under_5_s": count == 5000 and languages[slowest]["pdf_seconds"] < 5.0,
            "pdf_per_language_under_5_s_cpu": count == 5000
            and languages[slowest_cpu]["pdf_cpu_seconds"] < 5.0,
            "whole_dossier_500_under_10_s": canada["seconds"] < 10.0,
            "whole_dossier_500_under_10_s_cpu": canada["cpu_seconds"] < 10.0,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = ("" if args.kind == "note_verbale" else f"-{args.kind}") + (
        "" if count == 5000 else f"-{count}"
    )
    (RESULTS / f"dossier-languages{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = "".join(
        f"| {lang} | {v['pdf_seconds']:.2f} ({v['pdf_cpu_seconds']:.2f}) | {v['pages']} "
        f"| {v['docx_seconds']:.2f} ({v['docx_cpu_seconds']:.2f}) |\n"
        for lang, v in languages.items()
    )
    goals = result["goals"]
    (RESULTS / f"dossier-languages{suffix}.md").write_text(
        f"# Dossier in every language, {count} items, {args.kind} ({result['date']})\n\n"
        f"Seconds wall (CPU in brackets); the {args.kind} with its annex.\n\n"
        "| language | PDF | pages | DOCX |\n|---|---:|---:|---:|\n"
        f"{rows}\n"
        f"Slowest PDF: {slowest} {languages[slowest]['pdf_seconds']:.2f} s. Goal (5,000 items, "
        f"PDF under 5 s in every language): "
        f"{'met' if goals['pdf_per_language_under_5_s'] else 'not met'} in wall seconds, "
        f"{'met' if goals['pdf_per_language_under_5_s_cpu'] else 'not met'} in CPU seconds.\n\n"
        f"All of one dossier's files, 500 items (a {args.kind} in "
        f"{', '.join(canada['languages'])}; PDF, DOCX, JSON, CSV; {canada['files']} files): "
        f"{canada['seconds']:.2f} s (CPU {canada['cpu_seconds']:.2f}). Goal under 10 s: "
        f"{'met' if goals['whole_dossier_500_under_10_s'] else 'not met'} in wall seconds, "
        f"{'met' if goals['whole_dossier_500_under_10_s_cpu'] else 'not met'} in CPU seconds.\n\n"
        f"Machine: {os.cpu_count()} cores shared with other work; load average at the start "
        f"{', '.join(str(x) for x in result['load_average_at_start'])}, at the end "
        f"{', '.join(str(x) for x in result['load_average_at_end'])}.\n"
    )
    print(json.dumps(result["goals"], indent=2))


if __name__ == "__main__":
    main()
