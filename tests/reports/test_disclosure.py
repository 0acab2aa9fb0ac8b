"""Disclosure control: small cells withheld, complementary suppression, small-n statistics."""

from __future__ import annotations

from comity.reports import disclosure as dc


def test_small_counts_are_withheld_zero_and_five_are_shown() -> None:
    assert [dc.cell(n) for n in (0, 1, 4, 5, 120)] == [0, "<5", "<5", 5, 120]


def test_a_single_hidden_cell_hides_the_next_smallest_too() -> None:
    # with the total published, 3 = total - 10 - 7 would be recoverable
    assert dc.group({"a": 10, "b": 3, "c": 7}) == {"a": 10, "b": "<5", "c": "<5"}


def test_two_hidden_cells_need_no_complement_and_zeros_stay() -> None:
    assert dc.group({"a": 10, "b": 3, "c": 1, "d": 0}) == {"a": 10, "b": "<5", "c": "<5", "d": 0}
    assert dc.group({"a": 3, "z": 0}) == {"a": "<5", "z": 0}


def test_rates_and_medians_need_five_observations() -> None:
    assert dc.rate(1, 4) == "<5"
    assert dc.rate(1, 10) == 0.1
    assert dc.rate(0, 0) is None
    assert dc.figure(8.0, 4) == "<5" and dc.figure(8.0, 5) == 8.0
