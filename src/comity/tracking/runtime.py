"""Build the monitor's hooks from settings: the real prober, evidence capture, attribution."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from comity.core.settings import Settings
from comity.evidence.fetch import Fetcher
from comity.evidence.guard import Guard, make_resolver
from comity.evidence.service import Captured, fetch_and_store
from comity.evidence.store import Store
from comity.tracking.monitor import Hooks
from comity.tracking.probe import Politeness, Prober

__all__ = ["attribute_once", "hooks_from_settings"]


def hooks_from_settings(
    settings: Settings,
    *,
    engine: Engine,
    actor: str,
    routes: Mapping[str, tuple[str, int]] | None = None,
    politeness: Politeness | None = None,
    evidence: bool = True,
    reattribute: bool = True,
) -> Hooks:
    """Hooks for `monitor_items`; `routes` sends demo names to the loopback server
    (default: the COMITY_CONNECT_OVERRIDES setting, as for evidence capture)."""
    if routes is None:
        from comity.evidence.fetch import parse_routes

        routes = parse_routes(settings.connect_overrides) or None
    polite = politeness or Politeness(
        rate=settings.monitor_rate,
        per_host=settings.monitor_per_host,
        timeout=min(settings.fetch_timeout_seconds, settings.monitor_deadline_seconds),
        deadline=settings.monitor_deadline_seconds,
        max_bytes=settings.fetch_max_bytes,
    )
    guard = Guard.from_settings(settings)
    resolver = make_resolver(settings.dns_servers)

    def prober() -> Prober:
        return Prober(guard=guard, resolver=resolver, politeness=polite, routes=routes)

    hooks = Hooks(prober=prober)
    if evidence:
        fetcher = Fetcher.from_settings(settings, routes=_plain(routes))
        store = Store(settings.home)

        def capture(item_id: int, url: str) -> Captured:
            return fetch_and_store(
                item_id=item_id,
                url=url,
                actor=actor,
                fetcher=fetcher,
                store=store,
                screenshot=False,
            )

        hooks.capture = capture
    if reattribute:
        hooks.reattribute = lambda ids: _reattribute(engine, actor, ids)
    return hooks


def _plain(routes: Mapping[str, tuple[str, int]] | None) -> dict[str, tuple[str, int]] | None:
    return dict(routes) if routes else None


def _reattribute(engine: Engine, actor: str, item_ids: Sequence[int]) -> dict[int, str | None]:
    """Re-attribute through the hosting domain (stores the observation, flags the move)."""
    from comity.hosting.service import attribute_urls, resolver_config_from_env
    from comity.hosting.store import attribute_items

    config = resolver_config_from_env()
    rows = attribute_items(
        engine=engine,
        item_ids=list(item_ids),
        actor=actor,
        attribute=lambda urls: attribute_urls(urls, resolver_config=config),
    )
    return {row.item_id: row.moved for row in rows}


def attribute_once(
    *,
    engine: Engine,
    actor: str,
    item_id: int,
    on_recorded: Callable[[Session, dict[str, Any]], None],
) -> dict[str, Any]:
    """Attribute one item (a background job): the job's finish commits with the observation."""
    from comity.hosting.service import attribute_urls, resolver_config_from_env
    from comity.hosting.store import attribute_items

    config = resolver_config_from_env()
    result: dict[str, Any] = {"item_id": item_id}

    def recorded(session: Session, item: Any, row: Any, acting: str) -> None:
        result.update({"attribution": row.id, "moved": row.moved})
        on_recorded(session, result)

    attribute_items(
        engine=engine,
        item_ids=[item_id],
        actor=actor,
        attribute=lambda urls: attribute_urls(urls, resolver_config=config),
        on_recorded=recorded,
    )
    return result
