import datetime as dt

import pytest

from shared.dates import add_months

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),  # clamped to February's end
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2028, 2, 29), 12, D(2029, 2, 28)),  # leap day, a year on
        (D(2028, 2, 29), 48, D(2032, 2, 29)),  # the next leap year keeps it
        (D(2100, 1, 31), 1, D(2100, 2, 28)),  # a century year is no leap year
        (D(2000, 1, 31), 1, D(2000, 2, 29)),  # but every 400th is
        (D(2026, 3, 31), 1, D(2026, 4, 30)),  # a 30-day month
        (D(2026, 8, 31), 6, D(2027, 2, 28)),  # across the year end
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 5, 17), 12, D(2027, 5, 17)),
        (D(2026, 5, 17), 0, D(2026, 5, 17)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),  # backwards too
        (D(2026, 1, 15), -1, D(2025, 12, 15)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected
