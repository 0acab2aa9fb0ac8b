"""Comity: lawful cross-border removal requests for terrorist content online."""

__all__ = ["__version__"]

__version__ = "0.1.0"
