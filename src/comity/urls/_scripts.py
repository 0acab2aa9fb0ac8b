"""Homograph heuristics: labels that mix scripts, or imitate Latin in Cyrillic.

The standard library has no Unicode Script property, so the script of a
character is taken from the first word of its Unicode name ("CYRILLIC SMALL
LETTER A" -> CYRILLIC). That is a heuristic, good enough to flag a label for a
human to look at; it never rejects a URL. The combinations allowed in one label
follow UTS #39 "Highly Restrictive" (section 5.2), which browsers also use.
"""

from __future__ import annotations

import unicodedata

__all__ = ["host_script_flags"]

_ALIASES = {
    "CJK": "HAN",
    "IDEOGRAPHIC": "HAN",
    "KATAKANA-HIRAGANA": "HIRAGANA",
    "HALFWIDTH": "KATAKANA",
}
# UTS #39 Highly Restrictive: one script, or Latin with one of these CJK sets.
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# Cyrillic letters that render like Latin ones (Chromium's IDN spoof checker
# uses the same idea); a label made only of these can pass for a Latin name.
_LATIN_LOOKALIKES = frozenset("аысԁеԍһіюјӏорԛѕԝхуъьҽпгѵѡ")
# ccTLDs whose registries serve Cyrillic-writing users: an all-Cyrillic label
# there is ordinary, not an imitation.
_CYRILLIC_CCTLDS = frozenset(
    {"kz", "ru", "su", "by", "ua", "bg", "rs", "mk", "mn", "kg", "tj", "uz", "me", "ba"}
)


def _script(char: str) -> str | None:
    """Script of a letter, or None for digits, hyphens and combining marks."""
    if char.isascii():
        return "LATIN" if char.isalpha() else None
    if unicodedata.category(char)[0] in "MNPZS":
        return None  # marks, numbers, punctuation, separators, symbols: "Common"
    word = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    return _ALIASES.get(word, word)


def _is_mixed(scripts: set[str]) -> bool:
    if len(scripts) <= 1:
        return False
    return not any(scripts <= allowed for allowed in _ALLOWED_MIXES)


def host_script_flags(unicode_labels: list[str]) -> tuple[str, ...]:
    """Flags for a host given as U-labels (lower case, no trailing dot)."""
    flags: set[str] = set()
    tld = unicode_labels[-1] if unicode_labels else ""
    tld_scripts = {s for s in map(_script, tld) if s}
    cyrillic_zone = tld in _CYRILLIC_CCTLDS or tld_scripts == {"CYRILLIC"}
    for label in unicode_labels:
        if label.isascii():
            continue
        scripts = {s for s in map(_script, label) if s}
        if _is_mixed(scripts):
            flags.add("mixed_script")
        elif (
            scripts == {"CYRILLIC"}
            and not cyrillic_zone
            and all(c in _LATIN_LOOKALIKES for c in label if unicodedata.category(c)[0] == "L")
        ):
            flags.add("whole_script_confusable")
    return tuple(sorted(flags))
