"""Build the bundled IP tables in src/comity/hosting/data/ from ../shared/data.

    .venv/bin/python tools/build_ipdata.py [--source /work/shared/data] [--out DIR]

Provenance: comity.hosting.ipdata.provenance (from the SOURCES.md of each folder).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from comity.hosting.ipdata.build import SourceLayout, build_all
from comity.hosting.ipdata.provenance import METAS

_ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=_ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=_ROOT / "src/comity/hosting/data")
    args = parser.parse_args()
    started = time.perf_counter()
    records = build_all(SourceLayout(args.source), args.out, METAS)
    for name, count in records.items():
        print(f"{name}: {count} records")
    total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(f"total {total / 1e6:.2f} MB in {args.out} ({time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
