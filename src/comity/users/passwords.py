"""Which passwords Comity accepts (NIST SP 800-63B, section 5.1.1.2).

The guideline asks for a minimum length, a generous maximum, no composition
rules, and a check against passwords that are known to be common, expected or
compromised. Staff guard evidence and decisions, so the minimum is 12 rather
than the guideline's floor of 8. The list of common passwords is Django's
(20,000 entries, BSD licence; NOTICE), bundled beside this module.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib.resources import files

from comity.core.errors import BadInput

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "check_password"]

MIN_LENGTH = 12
# Long enough for any passphrase; short enough that hashing one costs nothing unusual.
MAX_LENGTH = 128
_NAME_INSIDE = 4


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    data = files("comity.users").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def check_password(password: str, *, user: str) -> None:
    """Refuse a password that is too short or long, common, one repeated character, or the name.

    The messages say what is wrong and never echo the password.
    """
    if len(password) < MIN_LENGTH:
        raise BadInput(f"password: at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise BadInput(f"password: at most {MAX_LENGTH} characters", field="password")
    lowered = password.casefold()
    if len(set(lowered)) == 1:
        raise BadInput("password: one character repeated is not a password", field="password")
    name = user.casefold()
    # Containment only for names of 4 or more characters: "al" or "aud" sit inside
    # too many honest passphrases to mean anything.
    if lowered == name or (len(name) >= _NAME_INSIDE and name in lowered):
        raise BadInput("password: must not be or contain the user name", field="password")
    # The list is lower-case; the Django validator compares the same way.
    if lowered.strip() in _common():
        raise BadInput(
            "password: this is one of the 20,000 most common passwords; choose another",
            field="password",
        )
