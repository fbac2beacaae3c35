"""An application as the public form sends it, and one stored in the submitted state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from hub.auth.models import Role, StaffUser
from hub.auth.services import create_user
from hub.onboarding import services
from hub.onboarding.models import Application


def application_data(**changes: Any) -> dict[str, Any]:
    """A valid application, as JSON would carry it (the form's strings load the same)."""
    launch = dt.date.today() + dt.timedelta(days=90)
    data: dict[str, Any] = {
        "organisation": "Moncton Newcomer Centre",
        "city": "Moncton",
        "region": "NB",
        "country": "CA",
        "contact_name": "Rosa Leblanc",
        "contact_email": "rosa@example.org",
        "contact_phone": "+1 506 555 0100",
        "partners": [
            {"kind": "chamber_of_commerce", "name": "Greater Moncton Chamber"},
            {"kind": "university", "name": "Université de Moncton"},
        ],
        "expected_connectees": 60,
        "expected_connectors": 40,
        "planned_launch": launch.isoformat(),
    }
    data.update(changes)
    return data


@pytest.fixture
def reviewer(hub_app: Flask) -> StaffUser:
    return create_user(
        "rev@example.org", "Rev Reviewer", Role.ADMIN, "a long passphrase", actor="test"
    )


@pytest.fixture
def submitted(hub_app: Flask) -> Application:
    return services.submit(application_data())
