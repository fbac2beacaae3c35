"""PUT/GET /outcomes/<period> and the public roll-up with its thresholds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from hub.communities.models import Community, CommunityStatus
from hub.communities.services import Credentials, set_status
from hub.extensions import db
from tests.hub.federation.conftest import Api

Q3 = "/api/v1/outcomes/2026-Q3"


def cell(group: str, metric: str, value: int | None) -> dict[str, Any]:
    return {"major_group": group, "metric": metric, "value": value, "suppressed": value is None}


def test_put_replaces_the_set_and_get_reads_it_back(halifax_api: Api) -> None:
    first = halifax_api.put(
        Q3, json={"cells": [cell("29", "enrolled", 12), cell("15", "enrolled", None)]}
    )
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {
        "period": "2026-Q3",
        "cells": [cell("15", "enrolled", None), cell("29", "enrolled", 12)],
    }
    again = halifax_api.put(
        Q3, json={"cells": [cell("29", "enrolled", 12), cell("15", "enrolled", None)]}
    )
    assert again.get_json() == first.get_json()

    halifax_api.put(Q3, json={"cells": [cell("all", "met", 0)]})
    assert halifax_api.get(Q3).get_json() == {"period": "2026-Q3", "cells": [cell("all", "met", 0)]}
    assert halifax_api.get("/api/v1/outcomes/2026-Q2").get_json() == {
        "period": "2026-Q2",
        "cells": [],
    }


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ([cell("29", "enrolled", 3)], "value"),
        ([cell("29", "enrolled", 1)], "value"),
        ([{**cell("29", "enrolled", 7), "suppressed": True}], "value"),
        ([{**cell("29", "enrolled", None), "suppressed": False}], "value"),
        ([cell("29", "enrolled", -5)], "value"),
        ([cell("29", "enrolled", 5), cell("29", "enrolled", 6)], "cells"),
        ([cell("99", "enrolled", 5)], "major_group"),
        ([cell("29", "salary", 5)], "metric"),
        ([{**cell("29", "enrolled", 5), "note": "x"}], "note"),
        ([{**cell("29", "enrolled", 5), "value": "5"}], "value"),
    ],
)
def test_bad_cells_are_422_and_keep_the_stored_set(
    halifax_api: Api, cells: list[dict[str, Any]], field: str
) -> None:
    halifax_api.put(Q3, json={"cells": [cell("29", "met", 9)]})
    response = halifax_api.put(Q3, json={"cells": cells})
    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])
    assert halifax_api.get(Q3).get_json()["cells"] == [cell("29", "met", 9)]


@pytest.mark.parametrize("period", ["2026-Q5", "2026Q1", "26-Q1", "2026-q1"])
def test_a_bad_period_is_422(halifax_api: Api, period: str) -> None:
    response = halifax_api.put(f"/api/v1/outcomes/{period}", json={"cells": []})
    assert response.status_code == 422
    assert "period" in response.get_json()["errors"]


def test_each_community_reads_only_its_own_cells(halifax_api: Api, stlouis_api: Api) -> None:
    halifax_api.put(Q3, json={"cells": [cell("29", "met", 9)]})
    stlouis_api.put(Q3, json={"cells": [cell("29", "met", 50)]})
    assert stlouis_api.get(Q3).get_json()["cells"] == [cell("29", "met", 50)]
    assert halifax_api.get(Q3).get_json()["cells"] == [cell("29", "met", 9)]


def test_writing_needs_the_scope_and_an_unsilenced_community(
    api_for: Callable[..., Api], halifax: Credentials
) -> None:
    reader = api_for(halifax, "resources:read")
    assert reader.put(Q3, json={"cells": []}).status_code == 403
    assert reader.get(Q3).status_code == 200  # any valid token reads its own set back
    writer = api_for(halifax)
    set_status("halifax", CommunityStatus.SILENCED, actor="test")
    assert writer.put(Q3, json={"cells": []}).json["error"] == "community_silenced"


def test_an_outcomes_push_stamps_last_sync_at(halifax_api: Api) -> None:
    assert halifax_api.put("/api/v1/outcomes/2026-Q5", json={"cells": []}).status_code == 422
    assert _last_sync() is None
    assert halifax_api.put(Q3, json={"cells": [cell("29", "enrolled", 12)]}).status_code == 200
    assert _last_sync() is not None


def _last_sync() -> Any:
    db.session.expire_all()
    return db.session.scalar(select(Community.last_sync_at).where(Community.slug == "halifax"))
