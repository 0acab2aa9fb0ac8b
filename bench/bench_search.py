"""Text search at scale: the worklist's search through the text indexes (migration 0020)
against the LIKE scan it replaced, in the same run, on the same database.

Loads N items (default 1,000,000) with chunked Core inserts into a fresh SQLite
file or a fresh PostgreSQL database: each item one report, 60 % of them with a
note of 3-8 words drawn (skewed: a few words are common, most are rare) from a
vocabulary of 30,000 made-up Russian, Kazakh and English words, and 20 % with a
capture text of 40 such words. The database's own triggers (SQLite) and
indexes (PostgreSQL) index them as the product's writes would.

Then `search_items` (the worklist page's and the API's first page: ids of the
matches, a capped count, one page of 50) runs for a mix of queries, once with
the product's search and once with the old one (a LIKE '%q%' scan of URLs and
notes, copied here as it was before migration 0020) swapped into the same
module. Each query kind runs `--per-kind` times per round, over `--rounds`
rounds; the figures are wall time per search (p50, p95, max), CPU per
search, and the spread of each round's p95. CPU is this process's own
(SQLite runs in it); for PostgreSQL the server's backends' CPU is added, read
from /proc for the server whose data directory the URL's server reports.

    python bench/bench_search.py [--items 1000000] [--database sqlite|postgresql]
                                 [--pg-url postgresql+psycopg://...] [--quick]

Writes bench/results/search.json (one entry per database) and search.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
VOCABULARY = 30_000
_SYLLABLES = {
    "ru": [
        "ва",
        "ве",
        "ги",
        "до",
        "жу",
        "за",
        "ка",
        "ло",
        "ми",
        "но",
        "па",
        "ре",
        "си",
        "ту",
        "фа",
        "хо",
        "це",
        "чи",
        "ша",
        "щу",
        "ы",
        "я",
        "ём",
        "ль",
        "рь",
    ],
    "kk": [
        "қа",
        "ғы",
        "ңа",
        "өр",
        "ұл",
        "үн",
        "һа",
        "ім",
        "ба",
        "да",
        "ке",
        "ло",
        "мы",
        "не",
        "са",
        "та",
        "жа",
        "ша",
        "ра",
        "лы",
    ],
    "en": [
        "ba",
        "co",
        "de",
        "fi",
        "go",
        "hu",
        "ja",
        "ke",
        "li",
        "mo",
        "nu",
        "pa",
        "qui",
        "re",
        "so",
        "te",
        "vi",
        "wo",
        "xa",
        "ze",
    ],
}


def _vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    languages = list(_SYLLABLES)
    while len(words) < VOCABULARY:
        syllables = _SYLLABLES[rng.choice(languages)]
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(3, 5))))
    return sorted(words)


def _word(rng: random.Random, vocabulary: list[str]) -> str:
    # Skewed: index ~ exponential with mean 3,000 (the first words are common).
    return vocabulary[min(int(rng.expovariate(1 / 3000)), len(vocabulary) - 1)]


def _load(url: str, n: int, vocabulary: list[str]) -> None:
    from sqlalchemy import insert

    from bench_web import item_row
    from comity.core.db import get_engine, session_scope, utcnow
    from comity.evidence.models import CaptureText, Evidence
    from comity.intake.models import Item, ItemConduct, Report

    engine = get_engine(url)
    rng = random.Random(19)
    now = utcnow()
    batch = 10_000
    for start in range(0, n, batch):
        items, conducts, reports, evidence, texts = [], [], [], [], []
        for i in range(start + 1, min(n, start + batch) + 1):
            url_i = f"https://host{i % 7919}.example/post/{i}"
            created = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            items.append(item_row(i, created, "reported", rng.random() < 0.02))
            conducts.append({"item_id": i, "conduct": "terrorism.incitement"})
            note = None
            if rng.random() < 0.6:
                note = " ".join(_word(rng, vocabulary) for _ in range(rng.randint(3, 8)))
            reports.append(
                {
                    "item_id": i,
                    "raw_url": url_i,
                    "conduct": "terrorism.incitement",
                    "note": note,
                    "source": "bench",
                    "reported_by": "bench",
                    "reported_at": created,
                    "fingerprint": hashlib.sha256(f"r{i}".encode()).hexdigest(),
                }
            )
            if rng.random() < 0.2:
                evidence.append(
                    {
                        "id": i,
                        "item_id": i,
                        "captured_at": created,
                        "requested_url": url_i,
                        "outcome": "ok",
                        "headers": [],
                        "captured_by": "bench",
                    }
                )
                words = " ".join(_word(rng, vocabulary) for _ in range(40))
                texts.append({"evidence_id": i, "item_id": i, "text": words})
        with session_scope(engine) as session:
            session.execute(insert(Item.__table__), items)
            session.execute(insert(ItemConduct.__table__), conducts)
            session.execute(insert(Report.__table__), reports)
            if evidence:
                session.execute(insert(Evidence.__table__), evidence)
                session.execute(insert(CaptureText.__table__), texts)
        if start % 200_000 == 0:
            print(f"loaded {start + len(items):,} items", flush=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def _queries(n: int, vocabulary: list[str], rng: random.Random) -> dict[str, Callable[[], str]]:
    def one_item() -> str:
        i = rng.randint(1, n)
        return f"t{i % 7919}.example/post/{i}"

    return {
        "URL fragment, one item (…t17.example/post/N)": one_item,
        "URL fragment, one host (~n/7919 items)": lambda: f"host{rng.randint(1, 7918)}.example",
        "word, common (first 100 of the vocabulary)": lambda: vocabulary[rng.randint(0, 99)],
        "word, rare (6,000th to 9,000th)": lambda: vocabulary[rng.randint(6000, 9000)],
        "word prefix (4 letters of a mid word)": lambda: vocabulary[rng.randint(1000, 5000)][:4],
        "two words": lambda: f"{vocabulary[rng.randint(0, 30)]} {vocabulary[rng.randint(0, 30)]}",
        "no match": lambda: f"нетвслова{rng.randint(1, 10**6)}",
    }


@contextmanager
def _old_search() -> Iterator[None]:
    """The search as it was before migration 0020, swapped into the worklist module."""
    from sqlalchemy import bindparam, select

    from comity.intake.models import Item, Report
    from comity.web import worklist

    def params(q: str, dialect: str) -> dict[str, str]:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return {"needle": f"%{escaped}%"}

    def contains(column: Any, dialect: str) -> Any:
        if dialect == "sqlite":
            return column.like(bindparam("needle"), escape="\\")
        return column.ilike(bindparam("needle"), escape="\\")

    def matches(names: frozenset[str], dialect: str, *, every_row: bool = False) -> Any:
        urls = select(Item.id).where(contains(Item.url, dialect))
        both = urls.union(select(Report.item_id).where(contains(Report.note, dialect)))
        return select(both.subquery().c[0])

    def narrow(session: Any, q: str, params: dict[str, str]) -> dict[str, str]:
        return params

    def row(names: frozenset[str]) -> Any:  # the old search was a subquery on both
        return Item.id.in_(matches(names, "postgresql"))

    def no_range(session: Any, q: str) -> None:  # no search_words either
        return None

    names = (
        "search_params",
        "text_matches",
        "SEARCH_PARAMS",
        "narrow_url_search",
        "matches_row",
        "word_range",
    )
    saved = {name: getattr(worklist, name) for name in names}
    worklist.search_params, worklist.text_matches = params, matches  # type: ignore[assignment]
    worklist.narrow_url_search, worklist.matches_row = narrow, row  # type: ignore[assignment]
    worklist.word_range = no_range  # type: ignore[assignment]
    worklist.SEARCH_PARAMS = frozenset({"needle"})
    worklist._STATEMENTS.clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(worklist, name, value)
        worklist._STATEMENTS.clear()


def _server_pids(url: str) -> list[int]:
    """PostgreSQL: the server's process tree (postmaster and backends), from its data dir."""
    if not url.startswith("postgresql"):
        return []
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        data = conn.execute(text("SHOW data_directory")).scalar()
    engine.dispose()
    try:
        return [int(Path(str(data), "postmaster.pid").read_text().split()[0])]
    except OSError:
        return []  # not readable from here: server CPU is then not counted


def _cpu(roots: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = time.process_time()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat.parent.name) in roots or int(fields[1]) in roots:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _measure(url: str, queries: list[str], roots: list[int]) -> dict[str, Any]:
    from comity.core.db import get_engine, read_session
    from comity.web.worklist import ItemFilter, search_items

    engine = get_engine(url)
    times: list[float] = []
    found: list[int] = []
    cpu0 = _cpu(roots)
    for q in queries:
        t0 = time.perf_counter()
        with read_session(engine) as session:
            page = search_items(session=session, filters=ItemFilter(q=q), per_page=50)
        times.append((time.perf_counter() - t0) * 1000)
        found.append(page.total)
    cpu = _cpu(roots) - cpu0
    return {"times_ms": times, "cpu_ms": cpu * 1000, "found": found}


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def _summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    times = [t for r in rounds for t in r["times_ms"]]
    searches = len(times)
    return {
        "searches": searches,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_pct(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "cpu_ms_per_search": round(sum(r["cpu_ms"] for r in rounds) / searches, 2),
        "p95_ms_per_round": [round(_pct(r["times_ms"], 0.95), 2) for r in rounds],
        "median_matches": statistics.median(f for r in rounds for f in r["found"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("COMITY_TEST_PG_URL", ""))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-kind", type=int, default=10)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 20_000 if args.quick else args.items
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_tco import _pg_database

    vocabulary = _vocabulary(random.Random(7))
    with tempfile.TemporaryDirectory(prefix="comity-bench-search-") as tmp:
        if args.database == "postgresql":
            if not args.pg_url:
                parser.error("--pg-url (or COMITY_TEST_PG_URL) is required for postgresql")
            url = _pg_database(args.pg_url, "bench_search")
        else:
            url = f"sqlite:///{tmp}/search.db"
        t0 = time.perf_counter()
        _load(url, n, vocabulary)
        load_s = time.perf_counter() - t0
        print(f"loaded {n:,} items in {load_s:.0f} s", flush=True)
        size_mb = (
            round(Path(tmp, "search.db").stat().st_size / 1e6)
            if args.database == "sqlite"
            else None
        )
        roots = _server_pids(url)
        kinds = _queries(n, vocabulary, random.Random(5))
        plan = {
            kind: [[make() for _ in range(args.per_kind)] for _ in range(args.rounds)]
            for kind, make in kinds.items()
        }
        _measure(url, [plan[k][0][0] for k in plan], roots)  # warm the caches and statements
        with _old_search():
            _measure(url, [plan[k][0][0] for k in plan], roots)
        figures: dict[str, dict[str, Any]] = {}
        for kind, rounds in plan.items():
            new, old = [], []
            for queries in rounds:  # alternate, so both see the same machine load
                new.append(_measure(url, queries, roots))
                with _old_search():
                    old.append(_measure(url, queries, roots))
            agree = all(a["found"] == b["found"] for a, b in zip(new, old, strict=True))
            figures[kind] = {
                "index": _summary(new),
                "like": _summary(old),
                "same_counts_as_like": agree,
            }
            row = figures[kind]
            row["p95_ratio"] = round(row["like"]["p95_ms"] / max(row["index"]["p95_ms"], 0.01), 1)
            row["cpu_ratio"] = round(
                row["like"]["cpu_ms_per_search"] / max(row["index"]["cpu_ms_per_search"], 0.01), 1
            )
            print(kind, json.dumps(row), flush=True)
    out = {
        "database": args.database,
        "items": n,
        "measured_on": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_s": round(load_s, 1),
        "database_mb": size_mb,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "rounds": args.rounds,
        "per_kind_per_round": args.per_kind,
        "kinds": figures,
    }
    _write(args.database, out)


def _write(database: str, out: dict[str, Any]) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "search.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[database] = out
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Text search benchmark (bench/bench_search.py)",
        "",
        "`search_items` (the worklist's and the API's first page: the matching ids, a count "
        "capped at 1,000, one page of 50) with the text indexes of migration 0020 (`index`) "
        "and with the LIKE '%q%' scan it replaced (`like`), alternated round by round in the "
        "same process on the same database. Wall time per search from one client; CPU per "
        "search is the process's own plus, on PostgreSQL, the server's. `counts agree`: "
        "both found the same number of items for every query (the index finds words by "
        "word and prefix, the scan any substring of a note, so they can differ).",
        "",
    ]
    for name in ("sqlite", "postgresql"):
        fig = data.get(name)
        if not fig:
            continue
        lines += [
            f"## {name}: {fig['items']:,} items (measured {fig['measured_on']}; {fig['machine']})",
            "",
            (
                f"Load (chunked Core inserts, indexed by the database as they go): "
                f"{fig['load_s']} s"
                if fig["load_s"] is not None
                else "Load time not recorded"
            )
            + (f"; database file {fig['database_mb']} MB." if fig.get("database_mb") else "."),
            *([fig["note"]] if fig.get("note") else []),
            f"{fig['rounds']} rounds × {fig['per_kind_per_round']} searches per kind and path.",
            "",
            "| query | index p50 / p95 ms | like p50 / p95 ms | p95 ratio | index CPU ms | "
            "like CPU ms | CPU ratio | index p95 per round | counts agree |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for kind, row in fig["kinds"].items():
            new, old = row["index"], row["like"]
            lines.append(
                f"| {kind} | {new['p50_ms']} / {new['p95_ms']} | {old['p50_ms']} / "
                f"{old['p95_ms']} | {row['p95_ratio']}× | {new['cpu_ms_per_search']} | "
                f"{old['cpu_ms_per_search']} | {row['cpu_ratio']}× | "
                f"{', '.join(map(str, new['p95_ms_per_round']))} | "
                f"{'yes' if row['same_counts_as_like'] else 'no'} |"
            )
        lines.append("")
    (RESULTS / "search.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
