"""Benchmark: PDQ hashing speed against imagehash's phash, and near-duplicate lookups.

1. Hashes per second of 640x480 JPEGs, decode included, both in the same run:
   Comity's PDQ path (`comity.evidence.hashes.hash_object`: SHA-256, MD5 and
   PDQ) and `imagehash.phash` on the same bytes; PDQ alone on decoded arrays.
2. Near-duplicate lookups per second at PDQ distance 31 against N hashes
   stored in SQLite (the `object_hashes` table, as Comity stores them), three
   ways in the same run, each in rounds (the spread is reported):
   - index: `comity.evidence.similar.pdq_near`, i.e. the in-memory multi-index
     of comity.evidence.pdqindex plus its per-lookup read of the rows above
     `safe` in the caller's session and the load of the matching rows; and the
     index's arrays alone (`PdqArrays.near`, no database);
   - brute force: numpy XOR and popcount over every stored hash in memory;
   - SQL multi-index: the path the index replaced (16 indexed 16-bit chunk
     columns, IN probes, candidates verified in Python), reproduced here.
   The three result sets are compared (recall must be 100%, no false match).
   Two stored sets: uniformly random hashes (the best case for chunk buckets)
   and a clustered set (groups of near copies, 0-40 bits from a centre, and
   bits biased towards 0, so chunk values crowd as real PDQ hashes do). Half
   the queries are planted near-duplicates of a stored hash (1-31 bits
   flipped), half random. The index's build (database read, parse, CSR) is
   timed and its memory measured (bytes of its arrays, tracemalloc peak of
   the build, RSS growth of the process).
3. Video and PDF (`media_hashing`, its own section): frames hashed per second
   through `hash_object` (ffmpeg samples 1 frame a second from a 640x360 H.264
   video at 25 fps, each frame PDQ-hashed), against ffmpeg decoding the same
   video to nothing (the floor: every frame must be decoded to sample one a
   second); PDFs through pdftotext + TLSH against TLSH of the same text as an
   HTML page. CPU counts the tools' (children's) CPU too. Skipped without ffmpeg.

    .venv/bin/python bench/bench_hashes.py [--quick] [--n N ...] [--queries Q] [--rounds R]

Writes bench/results/hashes.json and bench/results/hashes.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench/results"
sys.path.insert(0, str(ROOT))


def _jpegs(count: int) -> list[bytes]:
    from tests.evidence.pictures import encode, picture

    return [encode(picture(seed), quality=85) for seed in range(count)]


def _rate(fn: Any, items: list[Any], rounds: int) -> dict[str, float]:
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for item in items:
            fn(item)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    done = rounds * len(items)
    return {"count": done, "wall_s": wall, "cpu_s": cpu, "per_s_cpu": done / cpu}


def hashing(images: int, rounds: int) -> dict[str, Any]:
    import imagehash
    import pdqhash
    from PIL import Image

    from comity.evidence.hashes import HashLimits, hash_object

    jpegs = _jpegs(images)
    limits = HashLimits()
    arrays = [np.asarray(Image.open(io.BytesIO(j)).convert("RGB")) for j in jpegs]

    def comity(body: bytes) -> None:
        hash_object("http://bench/x.jpg", "image/jpeg", body, limits)

    def phash(body: bytes) -> None:
        with Image.open(io.BytesIO(body)) as image:
            imagehash.phash(image)

    return {
        "images": images,
        "comity_pdq_from_jpeg": _rate(comity, jpegs, rounds),
        "imagehash_phash_from_jpeg": _rate(phash, jpegs, rounds),
        "pdqhash_compute_on_array": _rate(pdqhash.compute, arrays, rounds),
    }


def _random_hashes(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**63, size=(n, 4), dtype=np.uint64) * 2 + rng.integers(
        0, 2, size=(n, 4), dtype=np.uint64
    )


def _clustered_hashes(n: int, rng: np.random.Generator) -> np.ndarray:
    """Groups of 20 near copies (0-40 bits from their centre); centres with each bit
    set at probability 0.35, so some chunk values are far more common than others."""
    centres = np.packbits(rng.random((n // 20 + 1, 256)) < 0.35, axis=1)
    words = centres.view(">u8").astype(np.uint64)
    out = np.repeat(words, 20, axis=0)[:n]
    flips = rng.random((n, 256)) < (rng.integers(0, 41, size=n) / 256)[:, None]
    out ^= np.packbits(flips, axis=1).view(">u8").astype(np.uint64)
    return out


def _hex(words: np.ndarray) -> str:
    return "".join(f"{int(w):016x}" for w in words)


def _build(path: Path, hashes: np.ndarray) -> None:
    from sqlalchemy import create_engine

    from comity.evidence.models import ObjectHashRow
    from comity.evidence.similar import chunks

    engine = create_engine(f"sqlite:///{path}")
    ObjectHashRow.__table__.create(engine)  # type: ignore[attr-defined]
    engine.dispose()
    conn = sqlite3.connect(path)
    cols = ", ".join(f"c{i}" for i in range(16))
    marks = ", ".join("?" * 16)
    sql = (
        f"INSERT INTO object_hashes (item_id, evidence_id, url, kind, algorithm, value, {cols}) "
        f"VALUES (?, ?, 'u', 'image', 'pdq', ?, {marks})"
    )
    step = 50_000
    for start in range(0, len(hashes), step):
        rows = []
        for i in range(start, min(start + step, len(hashes))):
            value = _hex(hashes[i])
            rows.append((i + 1, i + 1, value, *chunks(value)))
        conn.executemany(sql, rows)
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def _index_bytes(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()
    sizes = dict(rows)
    chunk = sum(v for k, v in sizes.items() if k.startswith("ix_object_hashes_c"))
    return {
        "chunk_indexes": chunk,
        "table": sizes.get("object_hashes", 0),
        "all": sum(sizes.values()),
    }


def _queries(hashes: np.ndarray, count: int, rng: np.random.Generator) -> list[str]:
    found = []
    for q in range(count):
        if q % 2:
            found.append(_hex(_random_hashes(1, rng)[0]))
            continue
        value = int(_hex(hashes[rng.integers(len(hashes))]), 16)
        for bit in rng.choice(256, size=int(rng.integers(1, 32)), replace=False):
            value ^= 1 << int(bit)
        found.append(f"{value:064x}")
    return found


def _sql_near(session: Any, value: str, distance: int) -> set[int]:
    """The SQL multi-index path comity.evidence.similar had before the in-memory index:
    one IN probe per chunk column, OR-ed, candidates verified in Python."""
    from sqlalchemy import or_, select

    from comity.evidence.models import ObjectHashRow
    from comity.evidence.pdqindex import _masks
    from comity.evidence.similar import chunks

    masks = _masks(distance // 16).tolist()
    probes = [
        getattr(ObjectHashRow, f"c{i}").in_(sorted({chunk ^ m for m in masks}))
        for i, chunk in enumerate(chunks(value))
    ]
    query = select(ObjectHashRow.id, ObjectHashRow.value).where(
        ObjectHashRow.algorithm == "pdq", or_(*probes)
    )
    target = int(value, 16)
    return {
        row_id - 1
        for row_id, other in session.execute(query)
        if (target ^ int(str(other), 16)).bit_count() <= distance
    }


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _rounds(fn: Any, asked: list[str], rounds: int) -> tuple[dict[str, Any], list[set[int]]]:
    """Lookups per CPU second in each round (and wall), with the results of the last."""
    per_cpu, per_wall = [], []
    found: list[set[int]] = []
    for _ in range(rounds):
        found = []
        cpu, wall = time.process_time(), time.perf_counter()
        for value in asked:
            found.append(fn(value))
        per_cpu.append(len(asked) / (time.process_time() - cpu))
        per_wall.append(len(asked) / (time.perf_counter() - wall))
    return {
        "rounds": rounds,
        "per_s_cpu": per_cpu,
        "per_s_cpu_median": statistics.median(per_cpu),
        "per_s_cpu_min": min(per_cpu),
        "per_s_cpu_max": max(per_cpu),
        "per_s_wall_median": statistics.median(per_wall),
    }, found


def _check(name: str, got: list[set[int]], brute: list[set[int]]) -> dict[str, Any]:
    expected = sum(len(b) for b in brute)
    hits = sum(len(a & b) for a, b in zip(got, brute, strict=True))
    extra = sum(len(a - b) for a, b in zip(got, brute, strict=True))
    if hits != expected or extra:
        print(f"WARNING: {name}: recall {hits}/{expected}, {extra} false matches")
    return {"recall": hits / expected if expected else 1.0, "false_matches": extra}


def lookups(n: int, kind: str, queries: int, rounds: int, distance: int = 31) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    from comity.core.db import _create
    from comity.evidence.models import ObjectHashRow
    from comity.evidence.pdqindex import PdqArrays, index_for, parse
    from comity.evidence.similar import pdq_near

    rng = np.random.default_rng(17)
    hashes = _random_hashes(n, rng) if kind == "uniform" else _clustered_hashes(n, rng)
    asked = _queries(hashes, queries, rng)
    load = {"before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hashes.db"
        start = time.perf_counter()
        _build(path, hashes)
        db_build_s = time.perf_counter() - start
        sizes = _index_bytes(path)
        engine = _create(f"sqlite:///{path}")
        with Session(engine) as session:
            # The first lookup builds the index: read, parse, CSR.
            rss, cpu, wall = _rss(), time.process_time(), time.perf_counter()
            pdq_near(session=session, value=asked[0], distance=distance)
            build = {
                "wall_s": time.perf_counter() - wall,
                "cpu_s": time.process_time() - cpu,
                "rss_growth_bytes": _rss() - rss,
            }
            index = index_for(session, ObjectHashRow.__table__)  # type: ignore[arg-type]
            arrays = index.state.base
            build["arrays_bytes"] = arrays.nbytes
            tracemalloc.start()
            start = time.perf_counter()
            PdqArrays.build(arrays.ids, arrays.words)
            build["csr_only_s"] = time.perf_counter() - start
            build["csr_tracemalloc_peak_bytes"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()

            def near(value: str) -> set[int]:
                return {
                    row.id - 1
                    for row, _ in pdq_near(session=session, value=value, distance=distance)
                }

            def arrays_only(value: str) -> set[int]:
                ids, _ = arrays.near(parse([value])[0], distance)
                return {int(i) - 1 for i in ids}

            index_rate, by_index = _rounds(near, asked, rounds)
            arrays_rate, by_arrays = _rounds(arrays_only, asked, rounds)
            sql_rate, by_sql = _rounds(
                lambda v: _sql_near(session, v, distance), asked, max(1, rounds // 2)
            )
        engine.dispose()

    def brute_force(value: str) -> set[int]:
        words = np.array([int(value[i : i + 16], 16) for i in range(0, 64, 16)], dtype=np.uint64)
        dist = np.bitwise_count(hashes ^ words).sum(axis=1)
        return set(np.nonzero(dist <= distance)[0].tolist())

    brute_rate, brute = _rounds(brute_force, asked, max(1, rounds // 2))
    load["after"] = os.getloadavg()
    return {
        "stored": n,
        "kind": kind,
        "queries": queries,
        "distance": distance,
        "matches_expected": sum(len(b) for b in brute),
        "candidates_expected_uniform": int(16 * 17 * n / 65536),
        "db_build_s": db_build_s,
        "index_build": build,
        "index": index_rate | _check("index", by_index, brute),
        "index_arrays_only": arrays_rate | _check("arrays", by_arrays, brute),
        "sql_multi_index": sql_rate | _check("sql", by_sql, brute),
        "brute_numpy": brute_rate,
        "brute_numpy_memory_bytes": int(hashes.nbytes),
        "index_vs_brute": index_rate["per_s_cpu_median"] / brute_rate["per_s_cpu_median"],
        "index_vs_sql": index_rate["per_s_cpu_median"] / sql_rate["per_s_cpu_median"],
        "sqlite_bytes": sizes,
        "load": load,
    }


# --- video and PDF (issue 17 "Bad input": ffmpeg and pdftotext as limited subprocesses) ---


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (ffmpeg, pdftotext)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(fn: Any, rounds: int) -> dict[str, Any]:
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), _cpu()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu() - cpu)
    return {"rounds": rounds, "wall_s": sorted(walls), "cpu_s": sorted(cpus)}


def media_hashing(rounds: int, seconds: int) -> dict[str, Any] | None:
    import os
    import shutil
    import subprocess

    from tests.evidence.media_files import pdf
    from tests.evidence.test_hashes import ARTICLE

    from comity.evidence.hashes import HashLimits, hash_object

    if shutil.which("ffmpeg") is None or shutil.which("pdftotext") is None:
        return None
    limits = HashLimits(media_seconds=120, budget_seconds=120)
    with tempfile.TemporaryDirectory() as tmp:
        source = "mandelbrot=size=640x360:rate=25"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi", "-i", source,
             "-t", str(seconds), "-c:v", "libx264", "-b:v", "800k", "v.mp4"],
            cwd=tmp, check=True,
        )  # fmt: skip
        body = (Path(tmp) / "v.mp4").read_bytes()
        frames = [h for h in hash_object("v", "video/mp4", body, limits) if h.algorithm == "pdq"]

        def decode_only() -> None:
            subprocess.run(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-threads", "1", "-i", "v.mp4",
                 "-f", "null", "-"],
                cwd=tmp, check=True,
            )  # fmt: skip

        load = os.getloadavg()
        video = _timed(lambda: hash_object("v", "video/mp4", body, limits), rounds)
        decode = _timed(decode_only, rounds)
    document = pdf(ARTICLE * 6)
    page = f"<html><body><p>{ARTICLE * 6}</p></body></html>".encode()
    pdfs = _timed(lambda: hash_object("d", "application/pdf", document, limits), rounds * 10)
    html = _timed(lambda: hash_object("d", "text/html", page, limits), rounds * 10)
    return {
        "video_seconds": seconds,
        "video_fps": 25,
        "frames_sampled": len(frames),
        "video_bytes": len(body),
        "load_before": load,
        "load_after": os.getloadavg(),
        "video": video,
        "ffmpeg_decode_only": decode,
        "pdf": pdfs,
        "html_same_text": html,
    }


def _md_media(media: dict[str, Any] | None) -> str:
    if media is None:
        return "\n## Video and PDF\n\nSkipped: ffmpeg or pdftotext not installed.\n"

    def median(values: list[float]) -> float:
        return values[len(values) // 2]

    def row(name: str, timed: dict[str, Any], per: int, unit: str) -> str:
        wall, cpu = timed["wall_s"], timed["cpu_s"]
        return (
            f"| {name} | {timed['rounds']} | {median(wall) * 1000:.1f}"
            f" ({wall[0] * 1000:.1f}-{wall[-1] * 1000:.1f}) | {median(cpu) * 1000:.1f}"
            f" | {per / median(cpu):.1f} {unit} |"
        )

    frames, seconds = media["frames_sampled"], media["video_seconds"]
    return "\n".join(
        [
            "",
            "## Video (vPDQ frames) and PDF text",
            "",
            f"A {seconds} s 640x360 H.264 video at {media['video_fps']} fps"
            f" ({media['video_bytes'] / 1e6:.1f} MB), {frames} frames sampled (1 a second);"
            f" load average {media['load_before'][0]:.1f} before,"
            f" {media['load_after'][0]:.1f} after.",
            "",
            "| what | rounds | wall ms median (min-max) | CPU ms median | per CPU second |",
            "|---|---:|---:|---:|---:|",
            row("hash_object: ffmpeg 1 fps + PDQ", media["video"], frames, "frames"),
            row("ffmpeg decode only (floor)", media["ffmpeg_decode_only"], frames, "frames"),
            row("hash_object: pdftotext + TLSH", media["pdf"], 1, "PDFs"),
            row("hash_object: same text as HTML", media["html_same_text"], 1, "pages"),
            "",
            "CPU includes the subprocesses' (RUSAGE_CHILDREN). ffmpeg runs with one thread;"
            " every frame is decoded to sample one a second, so decoding sets the floor (its"
            " row counts the same sampled frames: at 1 frame a second, frames per CPU second"
            " are also seconds of video per CPU second). A PDF costs a process start"
            " (pdftotext) that the same text as HTML does not.",
            "",
        ]
    )


def _md(result: dict[str, Any]) -> str:
    lines = [
        f"# Content hashes ({result['when']})",
        "",
        f"`.venv/bin/python bench/bench_hashes.py {' '.join(result['args'])}`"
        f" on {result['machine']}"
        " (2 cores shared with other work: CPU seconds are the figure to read).",
        "",
        f"## Hashing 640x480 JPEGs ({result['hashing']['images']} distinct pictures)",
        "",
        "| what | hashes | CPU s | per CPU second |",
        "|---|---:|---:|---:|",
    ]
    for name, row in result["hashing"].items():
        if isinstance(row, dict):
            lines.append(
                f"| {name} | {row['count']} | {row['cpu_s']:.2f} | {row['per_s_cpu']:.0f} |"
            )
    lines += [
        "",
        "comity_pdq_from_jpeg includes the JPEG decode (at reduced scale, Pillow's draft),"
        " SHA-256 and MD5; imagehash's phash decodes the full JPEG.",
        "",
        "## Near-duplicate lookups at PDQ distance 31 (goal: 1,000 a second on one core at 1M)",
        "",
        "Lookups per CPU second, median of the rounds (min-max); one process, one thread.",
        "",
        "| stored | set | queries x rounds | index (pdq_near) | index arrays only"
        " | brute numpy | SQL multi-index | index / brute | index / SQL | matches | recall"
        " (index, arrays, SQL) | false matches | load 1 min before -> after |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]

    def rate(row: dict[str, Any]) -> str:
        return (
            f"{row['per_s_cpu_median']:,.0f} ({row['per_s_cpu_min']:,.0f}-"
            f"{row['per_s_cpu_max']:,.0f})"
        )

    for row in result["lookups"]:
        parts = [row["index"], row["index_arrays_only"], row["sql_multi_index"]]
        recalls = ", ".join(f"{p['recall']:.3f}" for p in parts)
        lines.append(
            f"| {row['stored']:,} | {row['kind']} | {row['queries']} x {row['index']['rounds']}"
            f" | {rate(row['index'])} | {rate(row['index_arrays_only'])}"
            f" | {rate(row['brute_numpy'])} | {rate(row['sql_multi_index'])}"
            f" | {row['index_vs_brute']:.0f}x | {row['index_vs_sql']:.0f}x"
            f" | {row['matches_expected']}"
            f" | {recalls}"
            f" | {sum(p['false_matches'] for p in parts)}"
            f" | {row['load']['before'][0]:.1f} -> {row['load']['after'][0]:.1f} |"
        )
    lines += [
        "",
        "### Index build and memory",
        "",
        "| stored | set | first lookup (read + parse + CSR) s wall / CPU | CSR alone s"
        " | index arrays MB | CSR build tracemalloc peak MB | process RSS growth MB"
        " | brute array MB | SQLite chunk indexes MB | SQLite table MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["lookups"]:
        b, sizes = row["index_build"], row["sqlite_bytes"]
        lines.append(
            f"| {row['stored']:,} | {row['kind']} | {b['wall_s']:.2f} / {b['cpu_s']:.2f}"
            f" | {b['csr_only_s']:.2f} | {b['arrays_bytes'] / 1e6:.1f}"
            f" | {b['csr_tracemalloc_peak_bytes'] / 1e6:.1f}"
            f" | {b['rss_growth_bytes'] / 1e6:.1f} | {row['brute_numpy_memory_bytes'] / 1e6:.1f}"
            f" | {sizes.get('chunk_indexes', 0) / 1e6:.1f} | {sizes.get('table', 0) / 1e6:.1f} |"
        )
    lines += [
        "",
        "index (pdq_near): `comity.evidence.similar.pdq_near`, the whole lookup a worker"
        " makes: the in-memory multi-index (comity.evidence.pdqindex: 16 chunks of 16 bits,"
        " 17 probed values a chunk at distance 31, candidates verified with XOR and"
        " popcount), the read of rows above the index's `safe` id in the caller's session,"
        " and the load of the matching rows by id. index arrays only: the same search"
        " without the database. brute numpy: XOR and popcount over every stored hash."
        " SQL multi-index: the path this index replaced (chunk columns probed with IN in"
        " SQLite, candidates verified in Python). Memory: the index's arrays (hash words,"
        " ids, 16 chunk position lists, group offsets), per process that searches; the"
        " process RSS growth includes what the database read left in the heap.",
        "",
        "uniform: random hashes, the best case for chunk buckets. clustered: groups of 20"
        " copies 0-40 bits from a centre whose bits are set with probability 0.35, so"
        " some chunk values crowd (real PDQ hashes of flat or low-quality images do).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int, nargs="*", default=None)
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    sizes = args.n or ([10_000] if args.quick else [1_000_000])
    queries = args.queries or (50 if args.quick else 500)
    rounds = args.rounds or (2 if args.quick else 5)
    result: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "args": sys.argv[1:],
        "cpus": os.cpu_count(),
        "load_at_start": os.getloadavg(),
        "hashing": hashing(20 if args.quick else 50, 1 if args.quick else 4),
        "lookups": [
            lookups(n, kind, queries, rounds) for n in sizes for kind in ("uniform", "clustered")
        ],
        "media": media_hashing(3 if args.quick else 5, 20 if args.quick else 60),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hashes.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "hashes.md").write_text(_md(result) + _md_media(result["media"]))
    print(_md(result) + _md_media(result["media"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
