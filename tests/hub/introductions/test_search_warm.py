"""A hub worker builds its directory as it starts, so no search waits for the build."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

import pytest
from flask import Flask

from hub.directory import search as search_module
from hub.extensions import db
from shared.web.app import start_worker
from tests.hub.federation.conftest import Api
from tests.hub.introductions.test_search_incremental import _answers, _random_item


def test_the_worker_start_builds_the_directory_the_first_search_reads(
    hub_app: Flask,
    halifax_api: Api,
    stlouis_api: Api,
    count_builds: Callable[[], list[None]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=hub_app.logger.name)
    rng = random.Random(11)
    for n, api in enumerate((halifax_api, stlouis_api)):
        items = [_random_item(rng, k, 1) for k in range(20 * n, 20 * n + 20)]
        assert api.batch(*items).status_code == 200
    search_module._caches.clear()  # a new worker: nothing built yet
    builds = count_builds()
    for thread in start_worker(hub_app):  # what gunicorn's post_worker_init does
        thread.join(30)
    assert len(builds) == 1
    listed = len(search_module._caches[db.engine].directory.matrix)  # type: ignore[union-attr]
    assert f"The directory is built: {listed} profiles in" in caplog.text
    assert listed > 0

    warm = _answers(halifax_api) + _answers(stlouis_api)
    assert len(builds) == 1  # the searches read the directory the start built
    search_module._caches.clear()
    assert warm == _answers(halifax_api) + _answers(stlouis_api)  # as a fresh build answers
