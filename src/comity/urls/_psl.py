"""Public Suffix List look-ups (ICANN and PRIVATE sections).

We parse the snapshot shipped in `data/public_suffix_list.dat` (not the copy
bundled inside the `publicsuffixlist` wheel) so that upgrading the library never
silently changes which site a URL belongs to; see SOURCES.md for its date.
The PRIVATE section is honoured on purpose: `alice.blogspot.com` and
`bob.blogspot.com` are different sites run by different people.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from publicsuffixlist import PublicSuffixList

__all__ = ["PSL_FILE", "psl_version", "suffix_info"]

PSL_FILE = "public_suffix_list.dat"


@lru_cache(maxsize=1)
def _lines() -> tuple[str, ...]:
    text = resources.files("comity.urls").joinpath("data", PSL_FILE).read_text("utf-8")
    return tuple(text.splitlines())


@lru_cache(maxsize=1)
def _full() -> PublicSuffixList:
    return PublicSuffixList(_lines(), accept_unknown=True)


@lru_cache(maxsize=1)
def _icann() -> PublicSuffixList:
    return PublicSuffixList(_lines(), accept_unknown=True, only_icann=True)


def psl_version() -> str:
    """The `// VERSION:` line of the shipped snapshot (a UTC timestamp)."""
    for line in _lines()[:40]:
        if line.startswith("// VERSION:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


@lru_cache(maxsize=65536)
def suffix_info(ascii_host: str) -> tuple[str | None, str | None, bool, bool]:
    """(registrable domain, public suffix, suffix is PRIVATE, TLD is unknown).

    `ascii_host` is a lower-case A-label host without a trailing dot.
    """
    full = _full()
    suffix = full.publicsuffix(ascii_host)
    registrable = full.privatesuffix(ascii_host)
    private = suffix is not None and suffix != _icann().publicsuffix(ascii_host)
    tld = ascii_host.rsplit(".", 1)[-1]
    unknown = full.publicsuffix(tld, accept_unknown=False) is None
    return registrable, suffix, private, unknown
