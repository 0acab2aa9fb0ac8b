"""Input data the benchmarks share: real URLs when the shared data is there, else synthetic.

The Citizen Lab test lists (../shared/data/citizenlab-test-lists, or the folder named by
COMITY_SHARED_DATA) are real URLs of many shapes, used in benchmarks only (their licence
allows it, not the product). A clone without them still runs every benchmark
(issue 19 item 6): it gets deterministic synthetic URLs instead, and the results say which.
"""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

__all__ = ["citizenlab_urls", "url_source"]

ROOT = Path(__file__).resolve().parents[1]


def _lists() -> Path:
    shared = os.environ.get("COMITY_SHARED_DATA")
    base = Path(shared) if shared else ROOT.parent / "shared" / "data"
    return base / "citizenlab-test-lists" / "lists"


def url_source() -> str:
    """What `citizenlab_urls` reads: for the results' provenance line."""
    lists = _lists()
    if any(lists.glob("*.csv")):
        return f"Citizen Lab test lists ({lists})"
    return f"synthetic URLs (no Citizen Lab test lists at {lists}; set COMITY_SHARED_DATA)"


def _synthetic(count: int) -> list[str]:
    rnd = random.Random(19)
    tlds = ("com", "org", "net", "ru", "kz", "de", "co.uk", "com.tr", "рф", "example")
    words = ("news", "forum", "media", "blog", "video", "tv", "press", "archive", "info")
    urls = []
    for i in range(count):
        host = f"{rnd.choice(words)}{i % 997}.{rnd.choice(tlds)}"
        if rnd.random() < 0.3:
            host = "www." + host
        path = "/".join(rnd.choice(words) for _ in range(rnd.randint(0, 3)))
        scheme = "https" if rnd.random() < 0.8 else "http"
        urls.append(f"{scheme}://{host}/{path}".rstrip("/"))
    return urls


def citizenlab_urls(limit: int | None = None) -> list[str]:
    """The lists' http(s) URLs (without the global 00- files), in file order; synthetic
    ones (about 30,000, like the lists) where the lists are not on this machine."""
    urls: list[str] = []
    for path in sorted(_lists().glob("*.csv")):
        if path.name.startswith("00-"):
            continue
        with path.open(encoding="utf-8", errors="replace") as f:
            for row in csv.DictReader(f):
                url = (row.get("url") or "").strip()
                if url.startswith(("http://", "https://")):
                    urls.append(url)
        if limit is not None and len(urls) >= limit:
            return urls[:limit]
    if not urls:
        urls = _synthetic(limit or 30_000)
    return urls if limit is None else urls[:limit]
