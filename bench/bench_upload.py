"""Uploads against a real server: a dry run of millions of bad rows, and an anonymous 1 GB.

Issue 13 measured a dry run of 2.5 million bad rows growing the server to
4 GB and answering 817 MB, and a 1 GB anonymous upload spooled to disk before
the 401. This starts `comity serve` in a process of its own (SQLite under a
temporary folder), then:

- posts a CSV of N bad rows (streamed from a generator) as a dry run with an
  analyst's API token: wall time, the answer's size, the server's peak RSS
  (VmHWM) before and after;
- streams 1 GB without credentials: the status, the bytes the client got to
  send before the answer, and the growth of the server's temporary folder.

    python bench/bench_upload.py [--rows 2500000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BOUNDARY = "benchbound"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _setup(home: Path) -> str:
    """A migrated database with an admin and an analyst; the analyst's intake token."""
    os.environ["COMITY_HOME"] = str(home)
    from comity.core.db import get_engine, session_scope
    from comity.core.migrate import upgrade
    from comity.users.service import add_user
    from comity.web.tokens import create_token

    engine = get_engine()
    upgrade(engine)
    with session_scope(engine) as session:
        add_user(session=session, name="ada", role="admin", actor=None)
        add_user(session=session, name="alice", role="analyst", actor="ada")
    with session_scope(engine) as session:
        issued = create_token(session=session, actor="alice", name="bench", scopes=["intake"])
        return issued.token


def _hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _csv_body(rows: int) -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="dry_run"\r\n\r\ntrue\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="flood.csv"\r\n'
        "Content-Type: text/csv\r\n\r\nurl,conduct,note,source\n"
    ).encode()
    step = 10_000
    for start in range(0, rows, step):
        yield "".join(
            f"https://h{i}.example/,no.such.conduct,,\n"
            for i in range(start, min(rows, start + step))
        ).encode()
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _anonymous_gb(port: int) -> tuple[int, int]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    with sock:
        sock.sendall(
            (
                "POST /api/v1/intake/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                "Content-Length: 1000000000\r\n\r\n"
            ).encode()
        )
        sock.settimeout(0.5)
        sent, chunk = 0, bytes(65_536)
        while sent < 1_000_000_000:
            try:
                sent += sock.send(chunk)
            except (TimeoutError, OSError):
                break
        sock.settimeout(30)
        head = sock.recv(4096)
    return int(head.split()[1]), sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_500_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    args = parser.parse_args()
    if args.quick:
        args.rows = 100_000
    with tempfile.TemporaryDirectory(prefix="comity-bench-upload-") as tmp:
        home, spool = Path(tmp) / "home", Path(tmp) / "server-tmp"
        home.mkdir()
        spool.mkdir()
        token = _setup(home)
        port = _free_port()
        # 2.5 million rows are ~110 MB of CSV: the upload limit is raised to take them.
        env = os.environ | {
            "COMITY_HOME": str(home),
            "TMPDIR": str(spool),
            "COMITY_MAX_UPLOAD_MB": "200",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "comity", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            idle_kb = _hwm_kb(server.pid)
            start = time.perf_counter()
            answer = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/intake/import",
                content=_csv_body(args.rows),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                },
                timeout=3600,
            )
            wall = time.perf_counter() - start
            body = answer.json()
            dry = {
                "rows": args.rows,
                "status": answer.status_code,
                "invalid": body.get("invalid"),
                "errors_listed": len(body.get("errors", [])),
                "answer_bytes": len(answer.content),
                "wall_s": round(wall, 1),
                "server_peak_rss_mb_before": round(idle_kb / 1024, 1),
                "server_peak_rss_mb_after": round(_hwm_kb(server.pid) / 1024, 1),
            }
            before = _folder_bytes(spool)
            status, sent = _anonymous_gb(port)
            anonymous = {
                "status": status,
                "client_bytes_sent_before_answer": sent,
                "server_tmp_growth_bytes": _folder_bytes(spool) - before,
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    figures = {
        "dry_run": dry,
        "anonymous_1gb": anonymous,
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "upload.json").write_text(json.dumps(figures, indent=2) + "\n")
    lines = [
        "# Uploads against a real server (bench/bench_upload.py)",
        "",
        f"Measured {figures['at']} on the shared 2-core VM; `comity serve` on SQLite "
        "with COMITY_MAX_UPLOAD_MB=200 (the default 100 MB refuses a file this large).",
        "",
        f"Dry run of {args.rows:,} bad rows through `POST /api/v1/intake/import` (analyst token):",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in dry.items()),
        "",
        "Anonymous 1 GB multipart upload (Content-Length 1,000,000,000):",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in anonymous.items()),
        "",
    ]
    (RESULTS / "upload.md").write_text("\n".join(lines))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
