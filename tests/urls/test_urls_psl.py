"""Registrable domains: every upstream Public Suffix List test vector must pass.

The vectors are parsed from /work/shared/data/publicsuffix/ (test_psl.txt and
tests.txt, CC0), not copied by hand.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from comity.urls import canonicalize, registrable_domain
from comity.urls._psl import psl_version

PSL_DIR = Path("/work/shared/data/publicsuffix")
_CHECK = re.compile(r"checkPublicSuffix\((.*)\);")


def _value(token: str) -> str | None:
    return None if token == "null" else token


def _tests_txt() -> list[tuple[str | None, str | None]]:
    vectors = []
    for line in (PSL_DIR / "tests.txt").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("//"):
            given, expected = line.split()
            vectors.append((_value(given), _value(expected)))
    return vectors


def _test_psl_txt() -> list[tuple[str | None, str | None]]:
    vectors = []
    for line in (PSL_DIR / "test_psl.txt").read_text("utf-8").splitlines():
        match = _CHECK.search(line)
        if match and not line.lstrip().startswith("//"):
            # The arguments are JavaScript literals ('x' or null): Python-compatible
            # once null is None.
            given, expected = ast.literal_eval(match.group(1).replace("null", "None"))
            vectors.append((given, expected))
    return vectors


TESTS_TXT = _tests_txt()
TEST_PSL_TXT = _test_psl_txt()


def test_both_vector_files_were_parsed() -> None:
    assert len(TESTS_TXT) >= 70
    assert len(TEST_PSL_TXT) >= 70
    assert (None, None) in TEST_PSL_TXT


@pytest.mark.parametrize(("given", "expected"), TESTS_TXT)
def test_tests_txt_vector(given: str | None, expected: str | None) -> None:
    assert registrable_domain(given) == expected


@pytest.mark.parametrize(("given", "expected"), TEST_PSL_TXT)
def test_test_psl_txt_vector(given: str | None, expected: str | None) -> None:
    assert registrable_domain(given) == expected


def test_canonical_url_uses_the_same_registrable_domain_in_a_labels() -> None:
    c = canonicalize("http://www.\u98df\u72ee.\u516c\u53f8.cn/")
    assert c.registrable_domain == "xn--85x722f.xn--55qx5d.cn"
    assert c.public_suffix == "xn--55qx5d.cn"


def test_ip_addresses_have_no_registrable_domain() -> None:
    assert registrable_domain("8.8.8.8") is None
    assert registrable_domain("[2001:4860::8888]") is None


def test_shipped_snapshot_is_dated() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_UTC", psl_version())
