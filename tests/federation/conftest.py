"""Fixtures that start a hub and community nodes as separate processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, Backend, worker_database
from tests.federation.harness import Service
from tests.federation.proxy import RecordingProxy


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


# Module-scoped variants: one hub (and its nodes) shared by the tests of a module, which
# keeps the suite fast on a small machine. Databases are labelled by module so two
# modules never share one.


def _stop_all(started: list[Service]) -> None:
    """Ask every service to stop at once, then wait (a shared graceful timeout)."""
    for service in started:
        if service.process is not None and service.process.poll() is None:
            service.process.terminate()
    for service in started:
        service.stop()


@pytest.fixture(scope="module")
def module_services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    _stop_all(started)


def _module_label(request: pytest.FixtureRequest) -> str:
    return str(request.module.__name__).rsplit(".", 1)[-1].removeprefix("test_")


@pytest.fixture(scope="module")
def module_hub(
    request: pytest.FixtureRequest,
    backend: Backend,
    worker_id: str,
    tmp_path_factory: pytest.TempPathFactory,
    module_services: list[Service],
) -> Service:
    label = _module_label(request)
    workdir = tmp_path_factory.mktemp(f"{label}-hub")
    service = Service(
        "hub",
        "hub.app:create_app()",
        {
            "DATABASE_URL": _database_url(backend, worker_id, workdir, f"{label}_hub"),
            "HUB_SECRET_KEY": "federation-test",
        },
        workdir,
    )
    service.cli("init")
    service.start()
    module_services.append(service)
    return service


@pytest.fixture(scope="module")
def module_make_node(
    request: pytest.FixtureRequest,
    backend: Backend,
    worker_id: str,
    tmp_path_factory: pytest.TempPathFactory,
    module_services: list[Service],
) -> Callable[..., Service]:
    """Make a node; ``serve=False`` prepares its database without starting gunicorn.

    ``env``: more ``NODE_*`` settings for its processes.
    """
    label = _module_label(request)

    def make(slug: str, *, serve: bool = True, env: Mapping[str, str] | None = None) -> Service:
        workdir = tmp_path_factory.mktemp(f"{label}-{slug}")
        service = Service(
            slug,
            "community_node.app:create_app()",
            {
                "DATABASE_URL": _database_url(backend, worker_id, workdir, f"{label}_{slug}"),
                "NODE_SECRET_KEY": f"federation-test-{slug}",
                "NODE_COMMUNITY_SLUG": slug,
                "NODE_COMMUNITY_NAME": slug.title(),
                **(env or {}),
            },
            workdir,
        )
        service.cli("init")
        if serve:
            service.start()
        module_services.append(service)
        return service

    return make


@pytest.fixture(scope="module")
def make_proxy() -> Iterator[Callable[[Service], RecordingProxy]]:
    """Start recording proxies in front of a service; closed at the end of the module."""
    proxies: list[RecordingProxy] = []

    def make(upstream: Service) -> RecordingProxy:
        proxy = RecordingProxy(upstream.port)
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()
