"""`comity data update`: download upstream files and rebuild the tables.

Only when the COMITY_ONLINE setting is true: Comity is offline by default and
works fully on the bundled snapshot. The new tables go to `$COMITY_HOME/ipdata`
(the package folder may be read-only) and are loaded and checked before they
replace the previous update, so a failed download never leaves a broken set.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx

from comity.core.errors import ComityError, Refused
from comity.core.settings import get_settings
from comity.hosting.ipdata.build import SourceLayout, build_all
from comity.hosting.ipdata.provenance import METAS, UPSTREAM_FILES
from comity.hosting.ipdata.tables import get_tables, reset_cache

__all__ = ["update_datasets"]


def _download(url: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with httpx.stream("GET", url, follow_redirects=True, timeout=120.0) as response:
        response.raise_for_status()
        with target.open("wb") as fh:
            for chunk in response.iter_bytes():
                fh.write(chunk)


def update_datasets(*, target: Path | None = None) -> dict[str, int]:
    """Refresh every dataset from upstream; returns record counts. Never run in tests."""
    settings = get_settings()
    if not settings.online:
        raise Refused(
            "this machine is offline by default: set COMITY_ONLINE=1 to let "
            "`comity data update` download the upstream datasets"
        )
    target = target or settings.home / "ipdata"
    today = datetime.now(UTC).date().isoformat()
    metas = [
        dataclasses.replace(m, date=today, upstream=f"{m.upstream}; refreshed {today}")
        for m in METAS
    ]
    with tempfile.TemporaryDirectory(prefix="comity-ipdata-") as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "out"
        try:
            for relative, url in UPSTREAM_FILES.items():
                _download(url, src / relative)
            records = build_all(SourceLayout(src), out, metas)
            get_tables(out)  # refuse to install a set that does not load
        except (OSError, ValueError, httpx.HTTPError) as exc:
            raise ComityError(f"data update failed, bundled data kept: {exc}") from exc
        finally:
            reset_cache()
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(out, target)
    return records
