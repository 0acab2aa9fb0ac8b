"""Benchmark of URL canonicalisation: URLs per second, and variants collapsed.

Inputs are variations of the real URLs in the Citizen Lab test lists
(../shared/data/citizenlab-test-lists/lists/*.csv, CC BY-NC-SA: benchmark
use only): random tracking parameters, case changes, default ports,
dot-segments, percent-escapes of unreserved characters, fragments. The same
inputs go through `comity.urls.canonicalize` and, as the comparison in the same
process, `w3lib.url.canonicalize_url` (the two alternate over 20 chunks so that
load from other processes falls on both alike). Also reported: the share of variants
whose canonical form equals that of the original URL (one form per resource).

Writes bench/results/urls.json and bench/results/urls.md.
Default 1,000,000 URLs; `--quick` runs 100,000.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from w3lib.url import canonicalize_url

from _data import citizenlab_urls, url_source
from comity.core.errors import BadInput
from comity.urls import canonicalize

RESULTS = Path(__file__).parent / "results"
TRACKERS = ("utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid", "yclid", "_ga")


def _seeds() -> list[str]:
    return list(dict.fromkeys(citizenlab_urls()))


def _escape_some(text: str, rng: random.Random) -> str:
    if "%" in text:
        return text  # do not split an existing escape
    return "".join(
        f"%{ord(c):02x}" if c.isalnum() and c.isascii() and rng.random() < 0.15 else c for c in text
    )


def _vary(url: str, rng: random.Random) -> str:
    scheme, rest = url.split("://", 1)
    host, slash, tail = rest.partition("/")
    path, _, query = tail.partition("?")
    if rng.random() < 0.5:
        scheme = scheme.upper() if rng.random() < 0.5 else scheme.title()
    if rng.random() < 0.5:
        host = host.upper() if rng.random() < 0.5 else host.title()
    if ":" not in host and rng.random() < 0.3:
        host += ":443" if scheme.lower() == "https" else ":80"
    if rng.random() < 0.3:
        path = "a/../" + path if rng.random() < 0.5 else "./" + path
    if rng.random() < 0.3:
        path = _escape_some(path, rng)
    params = [query] if query else []
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        params.insert(rng.randint(0, len(params)), f"{rng.choice(TRACKERS)}={rng.randint(0, 999)}")
    fragment = "#" + rng.choice(("top", "comments", "")) if rng.random() < 0.2 else ""
    query_part = "?" + "&".join(params) if params else ""
    return f"{scheme}://{host}{slash or '/'}{path}{query_part}{fragment}"


def _inputs(seeds: list[str], n: int, seed: int = 11) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(base, _vary(base, rng)) for base in (rng.choice(seeds) for _ in range(n))]


def _ours(url: str) -> str:
    return canonicalize(url).url


def _run(func: Callable[[str], str], urls: list[str]) -> tuple[float, list[str | None]]:
    out: list[str | None] = []
    append = out.append
    start = time.perf_counter()
    for url in urls:
        try:
            append(func(url))
        except (BadInput, ValueError, UnicodeError):
            append(None)
    return time.perf_counter() - start, out


def _collapsed(
    func: Callable[[str], str], pairs: list[tuple[str, str]], got: list[str | None]
) -> float:
    """Share of variants whose canonical form equals the original URL's."""
    base_form: dict[str, str | None] = {}
    same = total = 0
    for (base, _), form in zip(pairs, got, strict=True):
        if base not in base_form:
            base_form[base] = _run(func, [base])[1][0]
        if base_form[base] is None:
            continue
        total += 1
        same += form == base_form[base]
    return same / total if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 URLs instead of 1,000,000")
    parser.add_argument("-n", type=int, default=None, help="number of URLs")
    args = parser.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)
    seeds = _seeds()
    pairs = _inputs(seeds, n)
    urls = [variant for _, variant in pairs]
    load_before = os.getloadavg()[0]
    canonicalize("http://warm.example/")  # load the PSL outside the timed loop
    # Interleave the two in chunks so that load from other processes on a
    # shared machine falls on both alike.
    ours_s = w3_s = 0.0
    ours_out: list[str | None] = []
    w3_out: list[str | None] = []
    step = max(1, n // 20)
    for start in range(0, n, step):
        chunk = urls[start : start + step]
        seconds, out = _run(_ours, chunk)
        ours_s, ours_out = ours_s + seconds, ours_out + out
        seconds, out = _run(canonicalize_url, chunk)
        w3_s, w3_out = w3_s + seconds, w3_out + out
    result: dict[str, Any] = {
        "n": n,
        "seed_urls": len(seeds),
        "ours_per_s": round(n / ours_s),
        "w3lib_per_s": round(n / w3_s),
        "ratio_ours_over_w3lib": round(w3_s / ours_s, 2),
        "ours_rejected": sum(o is None for o in ours_out),
        "ours_variants_collapsed": round(_collapsed(_ours, pairs, ours_out), 4),
        "w3lib_variants_collapsed": round(_collapsed(canonicalize_url, pairs, w3_out), 4),
        "load_average_1min_start_end": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "urls.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    md = [
        "# URL canonicalisation benchmark",
        "",
        f"- {n:,} variants of {len(seeds):,} URLs from the {url_source()} (tracking params, "
        "case, default ports, dot-segments, escapes, fragments).",
        f"- `comity.urls.canonicalize`: **{result['ours_per_s']:,}/s** (goal 20,000/s); "
        f"`w3lib.url.canonicalize_url`: {result['w3lib_per_s']:,}/s; "
        f"ratio ours/w3lib **{result['ratio_ours_over_w3lib']}**.",
        f"- Variants whose canonical form equals the original's: ours "
        f"{result['ours_variants_collapsed']:.1%}, w3lib {result['w3lib_variants_collapsed']:.1%} "
        "(w3lib keeps tracking parameters).",
        f"- Refused by ours: {result['ours_rejected']:,} (non-public or invalid hosts).",
        f"- Machine: {result['cpus']} CPUs, 1-minute load average at start/end "
        f"{result['load_average_1min_start_end']} (shared machine: absolute figures vary with "
        "load; the ratio less so).",
    ]
    (RESULTS / "urls.md").write_text("\n".join(md) + "\n", "utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
