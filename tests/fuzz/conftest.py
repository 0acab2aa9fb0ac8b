"""The web fixtures, for the fuzz target that goes through the application."""

from tests.web.conftest import app, client, passwords

__all__ = ["app", "client", "passwords"]
