"""Near-duplicate search over captured objects: PDQ by Hamming distance, TLSH by diff.

PDQ: `pdq_near` asks comity.evidence.pdqindex, an exact multi-index hash
(Norouzi et al. 2012) over numpy arrays that each process builds from the
database and keeps in step with it (rows added by any process are found, rows
deleted are never returned; see that module). Every hash within the distance
is returned (recall 100%), none beyond it; bench/bench_hashes.py measures it
at 1,000,000 stored hashes against brute force and the SQL multi-index path
it replaced. Distances above 63 are refused (the probe lists grow as C(16, r)).

The `c0`..`c15` chunk columns (one indexed 16-bit chunk each) are still
filled on insert: they were that SQL path's index and no lookup reads them now.

TLSH has no index here: a lookup compares against every stored TLSH (linear
in their number); fine for thousands of pages, not for millions.

Videos are compared as vPDQ (ThreatExchange's video PDQ) compares them: each
video is the set of PDQ hashes of its sampled frames (one row per frame,
`frame_ms` set; frames of quality below MIN_PDQ_QUALITY left out, as vPDQ's
quality filter does). Every frame of this video is looked up through the PDQ
index; each other video with a frame found is then compared whole: the percent
of this video's frames with a frame of the other within the distance, and the
percent of the other's frames with one of this video's. vPDQ leaves the
decision to the caller; here two videos match when either percent reaches
VIDEO_MATCH_PERCENT, so a trimmed copy (most of its frames are in the
original) matches from both sides. Frames are matched with frames only: a
still image is not compared with a video's frames.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

import tlsh  # no type stubs: see the mypy overrides in pyproject.toml
from sqlalchemy import select
from sqlalchemy.orm import Session

from comity.cases.models import Proposal
from comity.core.errors import BadInput, NotFound
from comity.evidence import pdqindex
from comity.evidence.hashes import ObjectHash
from comity.evidence.models import PDQ_CHUNKS, Evidence, ObjectHashRow, PdqChunks
from comity.intake.models import Item

__all__ = [
    "DEFAULT_PDQ_DISTANCE",
    "DEFAULT_TLSH_DISTANCE",
    "MAX_PDQ_DISTANCE",
    "MIN_PDQ_QUALITY",
    "VIDEO_MATCH_PERCENT",
    "VideoComparison",
    "VideoMatch",
    "chunks",
    "compare_videos",
    "hamming",
    "hash_rows",
    "own_hashes",
    "pdq_near",
    "record_hashes",
    "register_external_matcher",
    "set_chunks",
    "similar",
    "video_near",
    "videos",
]

DEFAULT_PDQ_DISTANCE = 31  # ThreatExchange's usual PDQ match threshold
DEFAULT_TLSH_DISTANCE = 100
MAX_PDQ_DISTANCE = pdqindex.MAX_DISTANCE
# Below it PDQ hashes match each other broadly (flat or near-empty pictures and
# frames): content groups, exports and video comparison leave them out.
MIN_PDQ_QUALITY = 50
VIDEO_MATCH_PERCENT = 80.0  # vPDQ's usual query-match threshold
_CHUNK_BITS = 256 // PDQ_CHUNKS
_CHUNK_MASK = (1 << _CHUNK_BITS) - 1

# Hashes kept outside the evidence (imported hash lists) that `similar` also
# lists, apart from the items: fn(session, own hash rows, pdq distance) -> matches.
ExternalMatcher = Callable[[Session, Sequence[ObjectHashRow], int], list[dict[str, Any]]]
_EXTERNAL: dict[str, ExternalMatcher] = {}


def register_external_matcher(name: str, fn: ExternalMatcher) -> None:
    """What `similar` lists under `external` (the hash exchange registers its imports)."""
    _EXTERNAL[name] = fn


def chunks(value: str) -> list[int]:
    """The 16-bit chunks of a 64-hex-digit PDQ hash, most significant first."""
    number = int(value, 16)
    return [
        (number >> (_CHUNK_BITS * (PDQ_CHUNKS - 1 - i))) & _CHUNK_MASK for i in range(PDQ_CHUNKS)
    ]


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def set_chunks(row: PdqChunks, value: str) -> None:
    """Fill `row`'s chunk columns from the PDQ hash `value`."""
    for i, chunk in enumerate(chunks(value)):
        setattr(row, f"c{i}", chunk)


def hash_rows(
    *, item_id: int, evidence_id: int, hashes: Iterable[ObjectHash]
) -> list[ObjectHashRow]:
    rows = []
    for h in hashes:
        row = ObjectHashRow(
            item_id=item_id,
            evidence_id=evidence_id,
            url=h.url,
            kind=h.kind,
            algorithm=h.algorithm,
            value=h.value,
            quality=h.quality,
            reason=h.reason,
            frame_ms=h.frame_ms,
        )
        if h.algorithm == "pdq" and h.value is not None:
            set_chunks(row, h.value)
        rows.append(row)
    return rows


def record_hashes(
    *, session: Session, item_id: int, evidence_id: int, hashes: Iterable[ObjectHash]
) -> int:
    """Insert the hash rows of one capture (the caller's transaction and audit event)."""
    rows = hash_rows(item_id=item_id, evidence_id=evidence_id, hashes=hashes)
    session.add_all(rows)
    return len(rows)


def pdq_near(
    *, session: Session, value: str, distance: int, exclude_item: int | None = None
) -> list[tuple[ObjectHashRow, int]]:
    """Stored PDQ rows within `distance` of `value`, with their distance (exact: see above)."""
    near = pdqindex.near_rows(session=session, model=ObjectHashRow, value=value, distance=distance)
    return [(row, d) for row, d in near if row.item_id != exclude_item]


@dataclass(frozen=True)
class VideoComparison:
    query_percent: float  # of the query's frames, those with a frame of the other within d
    compared_percent: float  # of the other's frames, those with one of the query's
    distance: int  # median, over the query's matched frames, of the nearest frame's distance

    @property
    def matches(self) -> bool:
        return max(self.query_percent, self.compared_percent) >= VIDEO_MATCH_PERCENT


def compare_videos(
    query: Sequence[str], compared: Sequence[str], distance: int
) -> VideoComparison | None:
    """vPDQ's comparison of two videos given as their frames' PDQ hashes (see the module's
    note); None when either has no frame. Duplicate frames count once, as in vPDQ."""
    mine = sorted({int(v, 16) for v in query})
    theirs = sorted({int(v, 16) for v in compared})
    if not mine or not theirs:
        return None
    nearest = [min((a ^ b).bit_count() for b in theirs) for a in mine]
    matched = [d for d in nearest if d <= distance]
    back = sum(1 for b in theirs if any((a ^ b).bit_count() <= distance for a in mine))
    return VideoComparison(
        query_percent=round(100.0 * len(matched) / len(mine), 1),
        compared_percent=round(100.0 * back / len(theirs), 1),
        distance=int(median(matched)) if matched else min(nearest),
    )


@dataclass(frozen=True)
class VideoMatch:
    object_url: str  # the query video
    item_id: int
    evidence_id: int
    url: str  # the matched video
    comparison: VideoComparison


def videos(rows: Iterable[ObjectHashRow]) -> dict[tuple[int, str], list[ObjectHashRow]]:
    """The frame rows among `rows`, by video ((evidence id, object url))."""
    found: dict[tuple[int, str], list[ObjectHashRow]] = {}
    for row in rows:
        if row.algorithm == "pdq" and row.frame_ms is not None and row.value is not None:
            found.setdefault((row.evidence_id, row.url), []).append(row)
    return found


def _usable(rows: Iterable[ObjectHashRow]) -> list[str]:
    return [str(r.value) for r in rows if (r.quality or 0) >= MIN_PDQ_QUALITY]


def video_near(
    *, session: Session, frames: Sequence[ObjectHashRow], distance: int, exclude_item: int
) -> list[VideoMatch]:
    """Other items' captured videos that match the video whose frame rows are `frames`."""
    query = _usable(frames)
    if not query:
        return []
    candidates: set[tuple[int, str]] = set()
    for value in sorted(set(query)):
        near = pdq_near(session=session, value=value, distance=distance, exclude_item=exclude_item)
        candidates |= {(row.evidence_id, row.url) for row, _ in near if row.frame_ms is not None}
    found = []
    for evidence_id, url in sorted(candidates):
        theirs = list(
            session.scalars(
                select(ObjectHashRow).where(
                    ObjectHashRow.evidence_id == evidence_id,
                    ObjectHashRow.url == url,
                    ObjectHashRow.algorithm == "pdq",
                    ObjectHashRow.frame_ms.is_not(None),
                    ObjectHashRow.value.is_not(None),
                )
            )
        )
        comparison = compare_videos(query, _usable(theirs), distance)
        if comparison is not None and comparison.matches:
            found.append(VideoMatch(frames[0].url, theirs[0].item_id, evidence_id, url, comparison))
    return found


def own_hashes(session: Session, item_id: int) -> list[ObjectHashRow]:
    """The item's hashes from its latest successful capture with hashes."""
    latest = (
        select(ObjectHashRow.evidence_id)
        .join(Evidence, Evidence.id == ObjectHashRow.evidence_id)
        .where(ObjectHashRow.item_id == item_id, Evidence.outcome == "ok")
        .order_by(ObjectHashRow.evidence_id.desc())
        .limit(1)
    ).scalar_subquery()
    query = select(ObjectHashRow).where(
        ObjectHashRow.evidence_id == latest, ObjectHashRow.value.is_not(None)
    )
    return list(session.scalars(query))


def _matches(
    session: Session, item_id: int, own: Sequence[ObjectHashRow], pdq: int, tlsh_max: int
) -> list[tuple[ObjectHashRow, ObjectHashRow, int]]:
    found: list[tuple[ObjectHashRow, ObjectHashRow, int]] = []
    sha = {r.value: r for r in own if r.algorithm == "sha256"}
    if sha:
        query = select(ObjectHashRow).where(
            ObjectHashRow.algorithm == "sha256",
            ObjectHashRow.value.in_(list(sha)),
            ObjectHashRow.item_id != item_id,
        )
        found += [(sha[str(r.value)], r, 0) for r in session.scalars(query)]
    for mine in (r for r in own if r.algorithm == "pdq" and r.frame_ms is None):
        assert mine.value is not None  # own_hashes reads hashed rows only
        near = pdq_near(session=session, value=mine.value, distance=pdq, exclude_item=item_id)
        found += [(mine, row, d) for row, d in near if row.frame_ms is None]
    texts = [r for r in own if r.algorithm == "tlsh" and r.value]
    if texts:
        query = select(ObjectHashRow).where(
            ObjectHashRow.algorithm == "tlsh",
            ObjectHashRow.value.is_not(None),
            ObjectHashRow.item_id != item_id,
        )
        for row in session.scalars(query):
            for mine in texts:
                d = int(tlsh.diff(mine.value, row.value))
                if d <= tlsh_max:
                    found.append((mine, row, d))
    return found


def _decision(session: Session, item_id: int) -> dict[str, Any] | None:
    proposal = session.scalars(
        select(Proposal).where(Proposal.item_id == item_id).order_by(Proposal.id.desc()).limit(1)
    ).first()
    if proposal is None:
        return None
    return {
        "proposal_id": proposal.id,
        "host": proposal.host,
        "state": proposal.state,
        "decided_by": proposal.decided_by,
        "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None,
    }


def similar(
    *,
    session: Session,
    item_id: int,
    pdq_distance: int = DEFAULT_PDQ_DISTANCE,
    tlsh_distance: int = DEFAULT_TLSH_DISTANCE,
) -> dict[str, Any]:
    """Other items with an object within the distances of one of this item's objects."""
    if session.get(Item, item_id) is None:
        raise NotFound(f"item {item_id} does not exist (see: comity items list)")
    if tlsh_distance < 0:
        raise BadInput("--tlsh-distance must be 0 or more")
    if not 0 <= pdq_distance <= MAX_PDQ_DISTANCE:
        raise BadInput(f"--pdq-distance must be between 0 and {MAX_PDQ_DISTANCE}")
    own = own_hashes(session, item_id)
    by_item: dict[int, list[dict[str, Any]]] = {}
    for frames in videos(own).values():
        for match in video_near(
            session=session, frames=frames, distance=pdq_distance, exclude_item=item_id
        ):
            by_item.setdefault(match.item_id, []).append(
                {
                    "algorithm": "vpdq",
                    "distance": match.comparison.distance,
                    "query_match_percent": match.comparison.query_percent,
                    "compared_match_percent": match.comparison.compared_percent,
                    "object_url": match.object_url,
                    "matched_url": match.url,
                    "matched_evidence_id": match.evidence_id,
                }
            )
    for mine, theirs, d in _matches(session, item_id, own, pdq_distance, tlsh_distance):
        by_item.setdefault(theirs.item_id, []).append(
            {
                "algorithm": theirs.algorithm,
                "distance": d,
                "object_url": mine.url,
                "matched_url": theirs.url,
                "matched_evidence_id": theirs.evidence_id,
            }
        )
    matches = []
    for other in session.scalars(select(Item).where(Item.id.in_(list(by_item)))):
        found = sorted(by_item[other.id], key=lambda m: (m["distance"], m["algorithm"]))
        matches.append(
            {
                "item_id": other.id,
                "url": other.url,
                "state": other.state,
                "decision": _decision(session, other.id),
                "best_distance": found[0]["distance"],
                "objects": found,
            }
        )
    matches.sort(key=lambda m: (m["best_distance"], m["item_id"]))
    from comity.cases.hooks import load_hooks

    load_hooks()  # the hash exchange registers its matcher in its cases_hooks
    external = [m for _, fn in sorted(_EXTERNAL.items()) for m in fn(session, own, pdq_distance)]
    return {
        "item_id": item_id,
        "pdq_distance": pdq_distance,
        "tlsh_distance": tlsh_distance,
        "hashed_objects": len({r.url for r in own}),
        "matches": matches,
        # Imported hash lists: another party's judgement, never evidence of this item.
        "external": external,
    }
