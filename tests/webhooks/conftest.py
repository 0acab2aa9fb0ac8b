"""The web fixtures (an app, a client, a token per role) for the webhook API tests."""

from tests.web.conftest import app, client, tokens

__all__ = ["app", "client", "tokens"]
