"""Calendar arithmetic both services need (framework-free)."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later, clamped to a shorter month's end.

    31 January + 1 month is 28 February (29 in a leap year); a negative ``months``
    counts back the same way.
    """
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
