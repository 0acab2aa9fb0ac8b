"""Which languages a dossier can be written in: one reviewed text file each.

The set is data, not code: a language is available when its file of fixed
texts, `render/i18n/<code>.yaml`, is committed (reviewed like law, see
docs/reviews/template-languages.md). Adding a language is adding that file
and the addressees' names in it (`parties.yaml`); nothing here changes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["I18N_DIR", "template_languages"]

# A plain path, not importlib.resources: `schemas` needs the list at import
# time and importing `comity.dossiers.render` from there would be circular.
I18N_DIR = Path(__file__).parent / "render" / "i18n"


@cache
def template_languages() -> tuple[str, ...]:
    """ISO 639-1 codes of the languages with a text file, sorted."""
    return tuple(sorted(p.stem for p in I18N_DIR.glob("*.yaml") if len(p.stem) == 2))
