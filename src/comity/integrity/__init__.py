"""Tamper evidence over the data: object state digests, data verification, signed heads."""
