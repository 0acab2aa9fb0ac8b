"""Fixtures for the web tests: an app on the per-test database, users with passwords."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine

from comity.core.db import session_scope
from comity.core.settings import Settings
from comity.users.roles import scopes_for
from comity.users.service import set_password
from comity.web.app import create_app
from comity.web.tokens import create_token

with warnings.catch_warnings():
    # Starlette 1.x warns that its TestClient wants `httpx2`; httpx is what we pin.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = ["PASSWORD", "TestClient", "csrf_of", "log_in"]

PASSWORD = "correct horse battery"
LOCAL = "http://127.0.0.1:8000"


@pytest.fixture
def app(settings: Settings, engine: Engine, staff: dict[str, str]) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def almaty(settings: Settings, engine: Engine, staff: dict[str, str]) -> FastAPI:
    """The app of an installation whose time zone (COMITY_TIME_ZONE) is Asia/Almaty."""
    return create_app(settings.model_copy(update={"time_zone": "Asia/Almaty"}))


@pytest.fixture
def passwords(
    app: FastAPI, engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> str:
    """Every staff member gets PASSWORD, hashed with cheap argon2 parameters.

    The hash carries its own parameters, so verification takes the same
    production code path; only the cost is lower, to keep the suite quick.
    """
    monkeypatch.setattr(
        "comity.users.service._hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    with session_scope(engine) as session:
        for name in [*staff.values(), "alan"]:
            set_password(session=session, name=name, password=PASSWORD, actor=name)
    return PASSWORD


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=LOCAL) as test_client:
        yield test_client


@pytest.fixture
def tokens(app: FastAPI, engine: Engine, staff: dict[str, str]) -> dict[str, str]:
    """An API token per role, minted by its own user with every scope the role can use."""
    with session_scope(engine) as session:
        return {
            role: create_token(
                session=session, actor=name, name="test", scopes=list(scopes_for(role))
            ).token
            for role, name in staff.items()
        }


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/items").text)
