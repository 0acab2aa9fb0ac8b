"""Canonical URLs: one form per resource, registrable domain, homograph flags."""
