"""Canonical URLs: one form per resource, registrable domain, homograph flags."""

from comity.urls.schemas import CanonicalURL
from comity.urls.service import canonicalize, registrable_domain

__all__ = ["CanonicalURL", "canonicalize", "registrable_domain"]
