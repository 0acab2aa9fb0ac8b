"""Folding organisation names so that a search matches however the name was spelt.

Why not a transliteration library: the variation that matters here is small
and known (Russian and Kazakh Cyrillic into Latin, the usual English and
French spellings of the same sound, the Arabic article), and the whole table
fits on one screen; a dependency would add more rules than it saves.

`fold` gives space-separated tokens; `search_key` joins them, for substring
search that ignores where the hyphens and spaces were. `alias_key` is the
lighter fold the register format agrees for duplicate aliases (case,
diacritics, hyphens and spaces only): transliteration variants make search
tolerant, but must not make two organisations' distinct aliases collide.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["alias_key", "fold", "search_key"]

# Russian and Kazakh Cyrillic, as in common Latin spellings (ISO 9 is rarely typed).
# й, ё are decomposed by NFKD first (и/е plus a combining mark), so they need no entry.
_CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
        "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
        "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
        "і": "i", "ї": "i", "є": "e", "ў": "u",
    }
)  # fmt: skip
# apostrophes and the letters that stand for the Arabic hamza and ayn: dropped, not spaces
_DROP = str.maketrans(dict.fromkeys("'’‘`´ʼʻʹʾʿ′", ""))
# Arabic letters written in several ways; taa marbuta and alif maqsura as their base letter
_ARABIC = str.maketrans({"ة": "ه", "ى": "ي", "ـ": ""})
# the same sound spelt differently, applied in this order to Latin text
_VARIANTS = (
    ("dzh", "j"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("q", "k"),
    ("y", "i"),  # also makes yu/iu and ya/ia one spelling
    ("oie", "oe"),  # Russian -ое written -oye (Islamskoye)
    ("w", "v"),
    ("ae", "ai"),  # Qaeda / Qaida
)
_REPEATS = re.compile(r"(.)\1+")
_SPLIT = re.compile(r"[\W_]+")
# the Arabic article and the Persian/Urdu ezafe as separate tokens (al-, el-, ul-, ut-, ad-,
# ash-, ...; Jaish-e-Mohammed); dropped unless it is the last token
_ARTICLES = frozenset(
    {"al", "el", "ul", "ut", "ud", "ad", "ed", "as", "es", "ash", "ush", "at", "et", "an"}
    | {"en", "un", "ar", "er", "ur", "az", "ez", "uz", "e", "i"}
)
_HYPHENS = re.compile(r"[\s\-‐‑‒–—―_]+")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _latin(token: str) -> str:
    for old, new in _VARIANTS:
        token = token.replace(old, new)
    return _REPEATS.sub(r"\1", token)


def fold(text: str) -> str:
    """Lower-case Latin tokens (Arabic script kept, without its article), space-separated."""
    plain = _strip_marks(text).translate(_DROP).translate(_CYRILLIC).translate(_ARABIC)
    tokens = [t for t in _SPLIT.split(plain) if t]
    out = []
    for index, token in enumerate(tokens):
        if token.isascii():
            if token in _ARTICLES and index < len(tokens) - 1:
                continue
            out.append(_latin(token))
        else:
            out.append(token[2:] if token.startswith("ال") and len(token) > 3 else token)
    return " ".join(out)


def search_key(text: str) -> str:
    return fold(text).replace(" ", "")


def alias_key(text: str) -> str:
    """Case, diacritics, hyphens and spaces folded (the register's duplicate-alias rule)."""
    return _HYPHENS.sub("", _strip_marks(text))
