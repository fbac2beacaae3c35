"""Figures computed from the database, kept by each worker while their inputs stand still.

Some staff and public pages compute over every profile or every outcome cell of the
network on every view. Each such figure has a version that moves whenever its inputs
change (a community's ``profiles_version``, the outcome cells' count and newest stamp),
read in the same request before the figure: a worker keeps the figure with the version it
was computed at, per database, and computes it again only when the version moved. A kept
figure is therefore never older than the data the request sees, whichever worker serves.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Engine

from hub.extensions import db

T = TypeVar("T")

_KEPT: weakref.WeakKeyDictionary[Engine, dict[Hashable, tuple[Hashable, Any]]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def _store() -> dict[Hashable, tuple[Hashable, Any]]:
    return _KEPT.setdefault(db.engine, {})


def kept(key: Hashable, version: Hashable, compute: Callable[[], T]) -> T:
    """Return the figure kept under ``key`` if it was computed at ``version``, else
    compute it, keep it and return it."""
    with _LOCK:
        found = _store().get(key)
    if found is not None and found[0] == version:
        value: T = found[1]
        return value
    value = compute()
    with _LOCK:
        _store()[key] = (version, value)
    return value


def per_community(
    figure: str,
    communities: Sequence[tuple[int, int]],
    compute: Callable[[list[int]], Mapping[int, T]],
    empty: T,
) -> dict[int, T]:
    """Return ``figure`` for each (community id, profiles_version) given, computing it
    only for the communities whose version moved: ``compute`` takes their ids in one call
    and returns their figures (one it leaves out gets ``empty``)."""
    with _LOCK:
        store = _store()
        stale = [cid for cid, ver in communities if store.get((figure, cid), (None,))[0] != ver]
    if stale:
        fresh = compute(stale)
        versions = dict(communities)
        with _LOCK:
            for cid in stale:
                store[(figure, cid)] = (versions[cid], fresh.get(cid, empty))
    with _LOCK:
        return {cid: store[(figure, cid)][1] for cid, _ in communities}
