"""Deconfliction holds: content another agency asks to stay online until a date (issue 17)."""
