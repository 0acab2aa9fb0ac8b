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


@lru_cache(maxsize=4096)
def _tld_unknown(tld: str) -> bool:
    return _full().publicsuffix(tld, accept_unknown=False) is None


def suffix_info(ascii_host: str) -> tuple[str | None, str | None, bool, bool]:
    """(registrable domain, public suffix, suffix is PRIVATE, TLD is unknown).

    `ascii_host` is a lower-case A-label host without a trailing dot. Callers
    cache per host, so this makes one or two look-ups and no more.
    """
    suffix = _full().publicsuffix(ascii_host)
    if suffix is None:
        return None, None, False, False
    registrable = None
    if len(ascii_host) > len(suffix):
        head = ascii_host[: -len(suffix) - 1]
        registrable = head.rsplit(".", 1)[-1] + "." + suffix
    if "." in suffix:
        # PRIVATE rules all sit below an ICANN suffix, so a one-label suffix
        # is ICANN and a listed TLD; only longer ones need the second look-up.
        private = suffix != _icann().publicsuffix(ascii_host)
        return registrable, suffix, private, False
    return registrable, suffix, False, _tld_unknown(suffix)
