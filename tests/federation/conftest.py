"""Fixtures that start a hub and community nodes as separate processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, Backend, worker_database
from tests.federation.harness import Service


def _database_url(backend: Backend, worker: str, workdir: Path, label: str) -> str:
    if backend.name == "sqlite":
        return f"sqlite:///{workdir}/{label}.sqlite"
    # A database per service per test: the processes share nothing but HTTP.
    return worker_database(POSTGRES_URL, worker, suffix=f"_fed_{label}")


@pytest.fixture
def services(backend: Backend, worker_id: str, tmp_path: Path) -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.stop()


@pytest.fixture
def hub(backend: Backend, worker_id: str, tmp_path: Path, services: list[Service]) -> Service:
    workdir = tmp_path / "hub"
    workdir.mkdir()
    service = Service(
        "hub",
        "hub.app:create_app()",
        {
            "DATABASE_URL": _database_url(backend, worker_id, workdir, "hub"),
            "HUB_SECRET_KEY": "federation-test",
        },
        workdir,
    )
    service.cli("init")
    service.start()
    services.append(service)
    return service


@pytest.fixture
def make_node(
    backend: Backend, worker_id: str, tmp_path: Path, services: list[Service]
) -> Callable[[str], Service]:
    def start(slug: str) -> Service:
        workdir = tmp_path / slug
        workdir.mkdir()
        service = Service(
            slug,
            "community_node.app:create_app()",
            {
                "DATABASE_URL": _database_url(backend, worker_id, workdir, slug),
                "NODE_SECRET_KEY": f"federation-test-{slug}",
                "NODE_COMMUNITY_SLUG": slug,
                "NODE_COMMUNITY_NAME": slug.title(),
            },
            workdir,
        )
        service.cli("init")
        service.start()
        services.append(service)
        return service

    return start
