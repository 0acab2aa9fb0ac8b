"""The web fixtures, for the intake tests that go through the API (uploads, single reports)."""

from tests.web.conftest import app, client, tokens

__all__ = ["app", "client", "tokens"]
