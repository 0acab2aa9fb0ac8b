"""Benchmark of the web application: the worklist page and /api/v1/items under load,
and the case file of one item with 50 captures, 20 proposals and 10 dossiers.

Loads 100,000 items (core inserts: items, conducts, reports, spread over a
year, a few per cent threat to life) into a fresh SQLite database, starts
uvicorn servers in subprocesses on 127.0.0.1 (one per core, each on its own port)
and drives them from this process with an
httpx async client at a fixed concurrency, a bounded number of requests and a
time limit per scenario. The comparison, measured the same way against the
same server, is the framework's floor: a static file through the same
middleware stack. Writes bench/results/web.json and bench/results/web.md.
`--quick` loads 20,000 items and sends fewer requests.

The item page's goal is server time: it is measured as the servers' CPU per
request (from /proc, warm-up included) and as the latency of one client alone
(nothing queued), over item 1, which `_load_rich_item` gives 50 captures, 20
proposals (approved with reasons), 10 dossiers each sent with an answer, 30
monitor checks and the audit events all of that writes (~190).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).parent / "results"
PASSWORD = "a long quiet passphrase for load"
CONDUCTS = [
    "terrorism.incitement",
    "terrorism.glorification",
    "terrorism.recruitment",
    "terrorism.instruction",
    "terrorism.financing",
    "terrorism.threat",
    "hatred.incitement",
    "separatism.propaganda",
]
STATES = ["reported"] * 6 + ["captured", "attributed", "assessed", "proposed", "approved", "sent"]


def item_row(i: int, created: datetime, state: str, urgent: bool) -> dict[str, Any]:
    """Item `i` of the bench data sets: https://host{i % 7919}.example/post/{i}."""
    url = f"https://host{i % 7919}.example/post/{i}"
    return {
        "id": i,
        "url": url,
        "url_key": hashlib.sha256(url.encode()).hexdigest(),
        "host": f"host{i % 7919}.example",
        "registrable_domain": f"host{i % 7919}.example",
        "state": state,
        "priority": "threat_to_life" if urgent else "standard",
        "created_at": created,
        "updated_at": created,
    }


def _load(url: str, n: int) -> None:
    """Create the schema, two users and `n` items with their conducts and reports."""
    from sqlalchemy import insert

    from comity.core.db import get_engine, session_scope, utcnow
    from comity.intake.models import Item, ItemConduct, Report
    from comity.users.service import add_user

    engine = get_engine(url)
    with session_scope(engine) as session:
        add_user(session=session, name="admin", role="admin", actor=None, password=PASSWORD)
        add_user(session=session, name="bench", role="analyst", actor="admin", password=PASSWORD)
    rng = random.Random(8)
    now = utcnow()
    batch = 10_000
    for start in range(0, n, batch):
        items, conducts, reports = [], [], []
        for i in range(start + 1, min(n, start + batch) + 1):
            url_i = f"https://host{i % 7919}.example/post/{i}"
            created = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            state = rng.choice(STATES)
            items.append(item_row(i, created, state, rng.random() < 0.02))
            conduct = rng.choice(CONDUCTS)
            conducts.append({"item_id": i, "conduct": conduct})
            note = rng.choice([None, None, "video on a channel", "recruitment poster", "manual"])
            reports.append(
                {
                    "item_id": i,
                    "raw_url": url_i,
                    "conduct": conduct,
                    "note": note,
                    "source": "bench",
                    "reported_by": "bench",
                    "reported_at": created,
                    "fingerprint": hashlib.sha256(f"r{i}".encode()).hexdigest(),
                }
            )
        with session_scope(engine) as session:
            session.execute(insert(Item.__table__), items)
            session.execute(insert(ItemConduct.__table__), conducts)
            session.execute(insert(Report.__table__), reports)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


RICH_ITEM = 1
QUOTED = "take up arms on the first day of spring"
CAPTURED_TEXT = ("Words of an ordinary post about the weather. " * 100)[:4_800] + f" {QUOTED}."


def _load_rich_item(url: str) -> dict[str, int]:
    """Item 1's whole case: captures, proposals, dossiers, dispatches, answers, checks, events."""
    from datetime import date

    from comity.cases.models import Proposal
    from comity.core.audit import Entry, record_many
    from comity.core.db import get_engine, session_scope, utcnow
    from comity.dossiers.models import DossierEntry, DossierRecord
    from comity.evidence.models import CaptureText, Evidence
    from comity.intake.models import Report
    from comity.tracking.models import Dispatch, MonitorCheck, TrackedRequest

    engine = get_engine(url)
    now = utcnow()
    events: list[Entry] = []
    with session_scope(engine) as session:
        report = session.query(Report).filter(Report.item_id == RICH_ITEM).one()
        report.note = f"The post says «{QUOTED}»."
        for n in range(50):
            e = Evidence(
                item_id=RICH_ITEM,
                captured_at=now - timedelta(hours=50 - n),
                requested_url="https://host1.example/post/1",
                final_url="https://host1.example/post/1",
                status=200,
                outcome="ok",
                headers=[["content-type", "text/html"]],
                content_sha256=hashlib.sha256(f"c{n}".encode()).hexdigest(),
                content_length=40_000,
                title=f"Post 1, capture {n}",
                captured_by="bench",
            )
            session.add(e)
            session.flush()
            # What the case file reads for its passage: the newest capture's text (5,000
            # characters, the quoted words near the end) and the report's quotation.
            session.add(CaptureText(evidence_id=e.id, item_id=RICH_ITEM, text=CAPTURED_TEXT))
            events.append(Entry("evidence.capture", "evidence", e.id, {"n": n}, {"outcome": "ok"}))
        proposals = []
        for n in range(20):
            p = Proposal(
                item_id=RICH_ITEM,
                host=["DE", "NL", "US", "FR"][n % 4],
                role="hosting",
                channel="provider_referral",
                conduct="terrorism.incitement",
                facts={"public": True, "intent": True},
                target="url",
                note="Removal of this one URL only.",
                dual_criminality="yes",
                assessment={"provisions": [{"citation": f"§ {n}", "title": "x" * 200}]},
                kb_version="bench",
                findings=[],
                state="approved",
                proposed_by="bench",
                decided_by="admin",
                decided_at=now,
                decision_reason="Dual criminality established.",
            )
            session.add(p)
            session.flush()
            proposals.append(p.id)
            events.append(Entry("proposal.create", "proposal", p.id, {"n": n}, {}))
            events.append(Entry("proposal.approve", "proposal", p.id, {"n": n}, {"reason": "ok"}))
        for n in range(10):
            ref = f"KZ-CTC-2099-{n + 1:04d}"
            d = DossierRecord(
                reference=ref,
                kind="provider_referral",
                channel="provider_referral",
                host="DE",
                addressee_key=f"provider:Provider {n}",
                addressee={"names": {"en": {"name": f"Provider {n}"}}},
                sender={},
                languages=["en"],
                skipped_languages={},
                created_by="bench",
            )
            session.add(d)
            session.flush()
            for position, proposal_id in enumerate(proposals[2 * n : 2 * n + 2]):
                session.add(
                    DossierEntry(
                        dossier_id=d.id,
                        proposal_id=proposal_id,
                        item_id=RICH_ITEM,
                        position=position,
                    )
                )
            session.flush()
            # Issued after its entries: an issued dossier is frozen (a trigger refuses changes).
            d.state, d.issued_by, d.issued_at = "issued", "bench", now
            dispatch = Dispatch(
                dossier_ref=ref,
                channel="provider_referral",
                host_country="DE",
                addressee=f"provider:Provider {n}",
                sent_on=date.today() - timedelta(days=10),
                recorded_by="bench",
            )
            session.add(dispatch)
            session.flush()
            session.add(
                TrackedRequest(
                    dispatch_id=dispatch.id,
                    item_id=RICH_ITEM,
                    due_at=now + timedelta(days=n - 5),
                    decision="refused" if n % 2 else None,
                    reason="no_offence_under_host_law" if n % 2 else None,
                )
            )
            events.append(Entry("dossier.build", "dossier", d.id, {"n": n}, {}))
            events.append(Entry("dossier.issue", "dossier", d.id, {"n": n}, {}))
            events.append(Entry("dossier.dispatch", "dossier", ref, {"n": n}, {}))
            events.append(
                Entry("request.answer", "item", RICH_ITEM, {"n": n}, {"decision": "refused"})
            )
        for n in range(30):
            session.add(
                MonitorCheck(
                    item_id=RICH_ITEM,
                    checked_at=now - timedelta(hours=n),
                    verdict="up",
                    status=200,
                )
            )
            events.append(Entry("item.monitor", "item", RICH_ITEM, {"n": n}, {"to": "up"}))
        record_many(session=session, actor="bench", entries=events)
    engine.dispose()
    return {"captures": 50, "proposals": 20, "dossiers": 10, "events": len(events)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(home: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    """One single-process uvicorn on `port`.

    Not `uvicorn --workers N` (stock): its worker processes receive the listening socket
    through multiprocessing, which loses the socket's protocol number, so
    asyncio does not set TCP_NODELAY on accepted connections and every response
    waits ~40 ms for the client's delayed ACK (measured here: 44 ms for the
    static file against 2.5 ms from one process). N processes on N ports, as
    behind a reverse proxy, do not have that problem.
    """
    env = os.environ | {"COMITY_HOME": str(home), "COMITY_DATABASE_URL": url}
    env.pop("COMITY_CONFIG", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "comity.web.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--ws",
            "none",
            "--lifespan",
            "off",
        ],
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("uvicorn did not start")


def _cpu_seconds(root: int) -> float:
    """User + system CPU seconds of process `root` and its children (the uvicorn workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _log_in(base: str) -> httpx.Cookies:
    with httpx.Client(base_url=base) as client:
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        response = client.post(
            "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token[1]}
        )
        assert response.status_code in (200, 303), response.status_code
        return client.cookies


async def _run(
    bases: list[str], cookies: httpx.Cookies, paths: list[str], *, concurrency: int, limit_s: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    queue = list(paths)
    deadline = time.perf_counter() + limit_s

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while queue and time.perf_counter() < deadline:
            path = queue.pop()
            t0 = time.perf_counter()
            response = await client.get(path)
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                errors += 1

    # One client per concurrent user, spread over the server processes (round robin,
    # as a reverse proxy would).
    clients = [
        httpx.AsyncClient(base_url=bases[n % len(bases)], cookies=cookies, timeout=60)
        for n in range(concurrency)
    ]
    try:
        for n, path in enumerate(paths[: 2 * concurrency]):  # warm-up: connections, caches
            await clients[n % concurrency].get(path)
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        wall = time.perf_counter() - t0
    finally:
        for c in clients:
            await c.aclose()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "concurrency": concurrency,
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
        "requests_per_s": round(len(ordered) / wall, 1),
    }


def _scenarios(count: int, rng: random.Random) -> dict[str, list[str]]:
    def conduct() -> str:
        return rng.choice(CONDUCTS)

    return {
        "floor: static file": ["/static/favicon.svg"] * count,
        "worklist page, unfiltered": [f"/items?page={rng.randint(1, 20)}" for _ in range(count)],
        "worklist page, state+conduct filter": [
            f"/items?state=reported&conduct={conduct()}&page={rng.randint(1, 5)}"
            for _ in range(count)
        ],
        "worklist page, full-text search": [
            f"/items?q=host{rng.randint(1, 7918)}.example" for _ in range(count)
        ],
        "worklist page, age + priority": [
            f"/items?priority=threat_to_life&max_age_days={rng.randint(10, 200)}"
            for _ in range(count)
        ],
        "item page (50 captures, 20 proposals, 10 dossiers)": [f"/items/{RICH_ITEM}"] * count,
        "API /api/v1/items, state+conduct filter": [
            f"/api/v1/items?state=reported&conduct={conduct()}&page={rng.randint(1, 5)}"
            for _ in range(count)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--workers", type=int, default=2, help="uvicorn processes (default 2: one per core)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="times every scenario is run (for the spread)"
    )
    args = parser.parse_args()
    n_items = 20_000 if args.quick else 100_000
    count = 120 if args.quick else 300
    with tempfile.TemporaryDirectory(prefix="comity-bench-web-") as folder:
        home = Path(folder)
        url = f"sqlite:///{home / 'comity.db'}"
        t0 = time.perf_counter()
        _load(url, n_items)
        rich = _load_rich_item(url)
        load_s = time.perf_counter() - t0
        runs: dict[str, dict[str, Any]] = {}
        loads: dict[str, tuple[float, float]] = {}
        ports = [_free_port() for _ in range(args.workers)]
        servers = [_start_server(home, url, port) for port in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        cookies = _log_in(bases[0])
        for label in [f"round {n + 1}" for n in range(args.rounds)]:
            load_start = os.getloadavg()[0]
            try:
                results = {}
                for name, paths in _scenarios(count, random.Random(3)).items():
                    before = sum(_cpu_seconds(server.pid) for server in servers)
                    results[name] = asyncio.run(
                        _run(bases, cookies, paths, concurrency=args.concurrency, limit_s=45)
                    )
                    spent = sum(_cpu_seconds(server.pid) for server in servers) - before
                    # Load-independent: the server's own CPU per request (warm-up included).
                    results[name]["server_cpu_ms_per_request"] = round(
                        spent * 1000 / (results[name]["requests"] + 2 * args.concurrency), 1
                    )
                    print(label, name, results[name], flush=True)
                # Server time of the case file: one client alone, nothing queued.
                before = sum(_cpu_seconds(server.pid) for server in servers)
                alone = asyncio.run(
                    _run(
                        bases[:1],
                        cookies,
                        [f"/items/{RICH_ITEM}"] * count,
                        concurrency=1,
                        limit_s=45,
                    )
                )
                spent = sum(_cpu_seconds(server.pid) for server in servers) - before
                alone["server_cpu_ms_per_request"] = round(
                    spent * 1000 / (alone["requests"] + 2), 1
                )
                results["item page, one client alone"] = alone
                print(label, "item page, one client alone", alone, flush=True)
            except BaseException:
                for server in servers:
                    server.terminate()
                raise
            runs[label] = results
            loads[label] = (load_start, os.getloadavg()[0])
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    for results in runs.values():
        floor = results["floor: static file"]["median_ms"] or 1.0
        for row in results.values():
            row["median_vs_floor"] = round(row["median_ms"] / floor, 1)
    _write(
        runs,
        n_items=n_items,
        load_s=load_s,
        concurrency=args.concurrency,
        workers=args.workers,
        rich=rich,
        loads=loads,
    )


def _verdict(values: list[float], goal: float) -> str:
    if max(values) < goal:
        return "met in every round"
    if min(values) >= goal:
        return "NOT met in any round"
    return f"met in {sum(v < goal for v in values)} of {len(values)} rounds"


def _spread(values: list[float]) -> str:
    """ "median (min-max)" over the rounds."""
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def _write(
    runs: dict[str, dict[str, Any]],
    *,
    n_items: int,
    load_s: float,
    concurrency: int,
    workers: int,
    rich: dict[str, int],
    loads: dict[str, tuple[float, float]],
) -> None:
    key = "worklist page, state+conduct filter"
    item_key = "item page (50 captures, 20 proposals, 10 dossiers)"
    alone_key = "item page, one client alone"
    p95 = [results[key]["p95_ms"] for results in runs.values()]
    item_cpu = [results[item_key]["server_cpu_ms_per_request"] for results in runs.values()]
    item_alone = [results[alone_key]["median_ms"] for results in runs.values()]
    worst_load = max(max(pair) for pair in loads.values())
    report = {
        "items": n_items,
        "load_seconds": round(load_s, 1),
        "database": "sqlite (WAL)",
        "server": f"{workers} single-process uvicorn servers, requests spread round robin",
        "concurrency": concurrency,
        "cpus": os.cpu_count(),
        "load_average_per_round": {label: list(pair) for label, pair in loads.items()},
        "goal": "p95 < 200 ms for a filtered worklist page",
        "goal_p95_ms": dict(zip(runs, p95, strict=True)),
        "item_goal": "item page (50 captures, 20 proposals, 10 dossiers) < 100 ms server time",
        "item_case": rich,
        "item_server_cpu_ms": dict(zip(runs, item_cpu, strict=True)),
        "item_alone_median_ms": dict(zip(runs, item_alone, strict=True)),
        "runs": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "web.json").write_text(json.dumps(report, indent=2) + "\n")
    rounds = len(runs)
    lines = [
        f"# Web benchmark ({n_items:,} items, SQLite, {workers} uvicorn processes "
        "(one port each, round robin), "
        f"{concurrency} concurrent clients from a second process)",
        "",
        f"{rounds} rounds of every scenario against the same servers; figures are the median "
        "of the rounds with their range (min-max). Machine: "
        f"{os.cpu_count()} CPUs shared with other work; load average (1 min) at the start and "
        "end of each round: "
        + "; ".join(f"{label} {a:.1f} -> {b:.1f}" for label, (a, b) in loads.items())
        + f". Data loaded in {load_s:.0f} s.",
        "",
        "Goal: p95 < 200 ms for a filtered worklist page (state + conduct): "
        f"{_spread(p95)} ms ({_verdict(p95, 200)}).",
        "",
        f"Goal: the item page of an item with {rich['captures']} captures (each with its text; "
        f"the case file marks the passage the report quotes), {rich['proposals']} proposals, "
        f"{rich['dossiers']} dossiers (each sent, 5 answered), 30 monitor checks and "
        f"{rich['events']} audit events renders in < 100 ms server time: "
        f"{_spread(item_cpu)} ms server CPU per request ({_verdict(item_cpu, 100)}); "
        f"{_spread(item_alone)} ms median latency for one client alone, which includes "
        f"waiting for a core on this shared machine (load up to {worst_load:.1f}).",
        "Comparison: the same server's floor (a static file through the same middleware), "
        "measured the same way in the same run.",
        "",
        "## Over the rounds",
        "",
        "| scenario | p95 ms | median ms | req/s | median vs floor | server CPU ms/request |",
        "|---|---|---|---|---|---|",
    ]
    names = list(next(iter(runs.values())))
    for name in names:
        rows = [results[name] for results in runs.values()]

        def col(field: str, rows: list[dict[str, Any]] = rows) -> str:
            return _spread([float(r[field]) for r in rows])

        lines.append(
            f"| {name} | {col('p95_ms')} | {col('median_ms')} | {col('requests_per_s')} | "
            f"{col('median_vs_floor')}x | {col('server_cpu_ms_per_request')} |"
        )
    lines.append("")
    for label, results in runs.items():
        a, b = loads[label]
        lines += [
            f"## {label} (load {a:.1f} -> {b:.1f})",
            "",
            "| scenario | requests | median ms | p95 ms | req/s | median vs floor "
            "| server CPU ms/request |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, row in results.items():
            lines.append(
                f"| {name} | {row['requests']} | {row['median_ms']} | {row['p95_ms']} | "
                f"{row['requests_per_s']} | {row['median_vs_floor']}x | "
                f"{row['server_cpu_ms_per_request']} |"
            )
        lines.append("")
    (RESULTS / "web.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
