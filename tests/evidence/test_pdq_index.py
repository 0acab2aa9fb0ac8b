"""The in-memory PDQ index: exact against brute force, and in step with the database.

The database is written through a second engine (its own pool and connections,
as another worker process would) while the index lives in the first.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from comity.core.db import _create, session_scope, utcnow
from comity.evidence import pdqindex
from comity.evidence.hashes import ObjectHash
from comity.evidence.models import Evidence, ObjectHashRow
from comity.evidence.pdqindex import PdqArrays, index_for, near_rows, parse
from comity.evidence.similar import hash_rows, pdq_near
from comity.hashexchange.models import ExternalHash
from tests.evidence.conftest import add_item

DISTANCES = (0, 1, 16, 31, 32, 63)
BASE = "f" * 16 + "0" * 16 + "a5" * 8 + "3c" * 8


def flip(value: str, bits: int, start: int = 0) -> str:
    """`value` with `bits` bits flipped from bit `start` (a distance of exactly `bits`)."""
    return f"{int(value, 16) ^ (((1 << bits) - 1) << start):064x}"


def _hex(rng: np.random.Generator) -> str:
    return bytes(rng.integers(0, 256, size=32, dtype=np.uint8)).hex()


def _clustered(rng: np.random.Generator, centres: int, each: int) -> list[str]:
    """Crowded hashes, as real PDQ hashes are: copies of a few centres, 0-40 bits off."""
    found = []
    for _ in range(centres):
        centre = int(_hex(rng), 16)
        for _ in range(each):
            bits = rng.choice(256, size=int(rng.integers(0, 41)), replace=False)
            found.append(f"{centre ^ sum(1 << int(b) for b in bits):064x}")
    return found


def _brute(stored: list[str], query: str, distance: int) -> dict[int, int]:
    """Python integers, not numpy: an answer computed independently of the index."""
    q = int(query, 16)
    return {i: d for i, v in enumerate(stored) if (d := (q ^ int(v, 16)).bit_count()) <= distance}


@pytest.mark.parametrize("kind", ["uniform", "clustered"])
def test_the_arrays_find_exactly_what_brute_force_finds_at_every_distance(kind: str) -> None:
    rng = np.random.default_rng(17)
    stored = [_hex(rng) for _ in range(6000)] if kind == "uniform" else _clustered(rng, 40, 150)
    arrays = PdqArrays.build(np.arange(len(stored), dtype=np.int64), parse(stored))
    queries = [_hex(rng) for _ in range(5)]
    queries += [flip(stored[int(rng.integers(len(stored)))], int(b)) for b in (0, 1, 16, 31, 40)]
    for distance in DISTANCES:
        for query in queries:
            ids, found = arrays.near(parse([query])[0], distance)
            assert dict(zip(ids.tolist(), found.tolist(), strict=True)) == _brute(
                stored, query, distance
            ), (kind, distance, query)
    # A clustered query at 31 finds more than itself: the test compares real sets.
    if kind == "clustered":
        assert len(_brute(stored, stored[0], 31)) > 10


def test_distances_at_the_boundary_are_in_and_one_bit_more_is_out() -> None:
    stored = [flip(BASE, d, start=3) for d in (0, 1, 15, 16, 17, 31, 32, 33, 63, 64)]
    arrays = PdqArrays.build(np.arange(len(stored), dtype=np.int64), parse(stored))
    for distance in DISTANCES:
        _, found = arrays.near(parse([BASE])[0], distance)
        expected = [d for d in (0, 1, 15, 16, 17, 31, 32, 33, 63, 64) if d <= distance]
        assert sorted(found.tolist()) == expected


def test_distances_outside_0_to_63_are_refused(engine: Engine) -> None:
    with session_scope(engine) as session:
        for bad in (-1, 64):
            with pytest.raises(Exception, match="between 0 and 63"):
                pdq_near(session=session, value=BASE, distance=bad)


# -- in step with the database ----------------------------------------------------


@pytest.fixture
def other(engine: Engine) -> Iterator[Engine]:
    """A second engine on the same database: another process, for the index."""
    second = _create(engine.url.render_as_string(hide_password=False))
    yield second
    second.dispose()


@pytest.fixture
def capture(engine: Engine, staff: dict[str, str]) -> tuple[int, int]:
    item = add_item(engine, "https://terror.example/a")
    with session_scope(engine) as session:
        evidence = Evidence(
            item_id=item,
            captured_at=utcnow(),
            requested_url="https://terror.example/a",
            outcome="ok",
            headers=[],
            content_sha256="cd" * 32,
            captured_by="alice",
        )
        session.add(evidence)
        session.flush()
        return item, evidence.id


def _rows(capture: tuple[int, int], values: list[str]) -> list[ObjectHashRow]:
    item, evidence = capture
    hashes = [
        ObjectHash(f"https://img.example/{i}.jpg", "image", "pdq", v, 100)
        for i, v in enumerate(values)
    ]
    return hash_rows(item_id=item, evidence_id=evidence, hashes=hashes)


def _add(engine: Engine, capture: tuple[int, int], values: list[str]) -> list[int]:
    with session_scope(engine) as session:
        rows = _rows(capture, values)
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def _near(engine: Engine, value: str, distance: int = 31) -> dict[int, int]:
    with session_scope(engine) as session:
        return {row.id: d for row, d in pdq_near(session=session, value=value, distance=distance)}


def test_lookups_through_the_database_equal_brute_force(
    engine: Engine, capture: tuple[int, int]
) -> None:
    rng = np.random.default_rng(5)
    stored = _clustered(rng, 10, 40) + [_hex(rng) for _ in range(200)]
    ids = _add(engine, capture, stored)
    for distance in DISTANCES:
        for query in (stored[0], flip(stored[77], 20), _hex(rng)):
            expected = {ids[i]: d for i, d in _brute(stored, query, distance).items()}
            assert _near(engine, query, distance) == expected


def test_a_row_another_process_commits_after_the_index_is_built_is_found(
    engine: Engine, other: Engine, capture: tuple[int, int]
) -> None:
    [first] = _add(engine, capture, [BASE])
    assert _near(engine, BASE) == {first: 0}  # builds the index
    [later] = _add(other, capture, [flip(BASE, 31)])
    assert _near(engine, BASE) == {first: 0, later: 31}  # before any refresh is due


def test_many_rows_from_another_process_are_found_then_taken_into_the_index(
    engine: Engine, other: Engine, capture: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdqindex, "_MIN_TAIL", 100)  # so that the tail is merged here
    _add(engine, capture, [BASE])
    _near(engine, BASE)
    rng = np.random.default_rng(9)
    values = [
        flip(BASE, int(rng.integers(0, 40)), start=int(rng.integers(0, 200))) for _ in range(600)
    ]
    ids = _add(other, capture, values)
    expected = {
        i: (int(v, 16) ^ int(BASE, 16)).bit_count() for i, v in zip(ids, values, strict=True)
    }
    expected = {i: d for i, d in expected.items() if d <= 31}
    found = _near(engine, BASE)
    assert {i: d for i, d in found.items() if i in expected} == expected
    assert len(found) == len(expected) + 1
    with session_scope(engine) as session:
        index = index_for(session, ObjectHashRow.__table__)  # type: ignore[arg-type]
    # More than REFRESH_ROWS waited: a refresh read them, and the tail was merged.
    assert index.state.safe >= max(ids) and len(index.state.base.ids) == 601
    assert len(index.state.tail_ids) == 0
    assert _near(engine, BASE) == found


def test_a_deleted_row_is_never_returned_and_leaves_the_index(
    engine: Engine, other: Engine, capture: tuple[int, int]
) -> None:
    kept, gone, _ = _add(engine, capture, [BASE, flip(BASE, 5), flip(BASE, 200)])
    assert _near(engine, BASE) == {kept: 0, gone: 5}
    with session_scope(other) as session:
        session.execute(delete(ObjectHashRow).where(ObjectHashRow.id == gone))
    assert _near(engine, BASE) == {kept: 0}
    with session_scope(engine) as session:
        index = index_for(session, ObjectHashRow.__table__)  # type: ignore[arg-type]
    assert index.state.dead == frozenset({gone})


def test_the_highest_row_deleted_and_its_id_reused_is_seen(
    engine: Engine, other: Engine, capture: tuple[int, int]
) -> None:
    """SQLite gives a new row the highest id + 1: the id of a deleted top row comes back."""
    first, top = _add(engine, capture, [BASE, flip(BASE, 3)])
    assert _near(engine, BASE) == {first: 0, top: 3}
    with session_scope(other) as session:
        session.execute(delete(ObjectHashRow).where(ObjectHashRow.id == top))
    far = flip(BASE, 128, start=128)
    [new] = _add(other, capture, [far])
    assert _near(engine, BASE) == {first: 0}
    assert _near(engine, far, 0) == {new: 0}


def test_a_row_seen_inside_a_transaction_that_rolls_back_stays_out(
    engine: Engine, capture: tuple[int, int]
) -> None:
    _add(engine, capture, [BASE])
    _near(engine, BASE)
    mine = flip(BASE, 200)
    session = Session(bind=engine)
    try:
        [row] = _rows(capture, [mine])
        session.add(row)
        session.flush()
        # The caller sees its own uncommitted row...
        assert [(r.id, d) for r, d in pdq_near(session=session, value=mine, distance=0)] == [
            (row.id, 0)
        ]
    finally:
        session.rollback()
        session.close()
    # ...which never entered the cache: on SQLite the next row even reuses its id.
    other_value = flip(BASE, 100, start=150)
    [reused] = _add(engine, capture, [other_value])
    assert _near(engine, mine, 0) == {}
    assert _near(engine, other_value, 0) == {reused: 0}


def test_a_row_committed_below_a_higher_id_already_read_is_found(
    engine: Engine, capture: tuple[int, int]
) -> None:
    """PostgreSQL: a transaction holding id 7 can commit after another committed id 8."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: ids commit in order")
    _add(engine, capture, [BASE])
    _near(engine, BASE)
    slow = Session(bind=engine)
    try:
        [early] = _rows(capture, [flip(BASE, 7)])
        slow.add(early)
        slow.flush()  # takes its id, does not commit yet
        early_id = early.id
        [late] = _add(engine, capture, [flip(BASE, 9)])
        assert late > early_id
        with session_scope(engine) as session:
            index = index_for(session, ObjectHashRow.__table__)  # type: ignore[arg-type]
            index.refresh(engine, force=True)  # reads `late`, while `early` is running
        assert index.state.safe < early_id
        slow.commit()
    finally:
        slow.close()
    found = _near(engine, BASE)
    assert found[early_id] == 7 and found[late] == 9
    index.refresh(engine, force=True)
    assert index.state.safe >= late
    assert _near(engine, BASE) == found


def test_imported_hashes_go_through_an_index_of_their_own(
    engine: Engine, capture: tuple[int, int]
) -> None:
    from comity.hashexchange.models import HashImport

    with session_scope(engine) as session:
        batch = HashImport(
            source="partner",
            format="tcap-csv",
            file_sha256="ab" * 32,
            rows=1,
            added=1,
            imported_by="alice",
        )
        session.add(batch)
        session.flush()
        session.add(
            ExternalHash(
                import_id=batch.id, source="partner", algorithm="pdq", value=flip(BASE, 30)
            )
        )
    _add(engine, capture, [BASE])
    with session_scope(engine) as session:
        near = near_rows(session=session, model=ExternalHash, value=BASE, distance=31)
        assert [(r.source, d) for r, d in near] == [("partner", 30)]
        assert near_rows(session=session, model=ExternalHash, value=BASE, distance=29) == []
        ext = session.scalars(select(ExternalHash)).one()
        assert ext.value == flip(BASE, 30)
