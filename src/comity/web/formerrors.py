"""Form errors as people read them: in the page's language, naming the field by its
label, linked from an error summary at the top of the page (GOV.UK's pattern).

The service's own message (English, written for every interface) stays beside it
as the detail, marked `lang="en"`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from comity.core.errors import ComityError
from comity.web.i18n import translator

__all__ = ["FieldError", "field_error", "required"]


@dataclass(frozen=True)
class FieldError:
    field: str  # the form field's name; the input's id is "f-<field>"
    text: str  # in the page's language
    detail: str | None = None  # the service's message, English


def required(lang: str, field: str, labels: Mapping[str, str]) -> FieldError:
    """An empty field that must be filled in."""
    t = translator(lang)
    return FieldError(field, t("form.required", field=t(labels.get(field, field))))


def field_error(lang: str, exc: ComityError, labels: Mapping[str, str]) -> FieldError:
    """A service's refusal of one field; without a known field, the message alone."""
    t = translator(lang)
    field = exc.field if exc.field in labels else ""
    if not field:
        return FieldError("", exc.message)
    return FieldError(field, t("form.invalid", field=t(labels[field])), exc.message)
