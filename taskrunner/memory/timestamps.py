"""The timestamps a memory stores, read the way ages need them: as local dates.

Ages and "today" are local-time notions: a memory seen at 23:30 UTC was seen
"today" in Chile and "tomorrow" in Tokyo. So a stored timestamp is converted
to the local calendar date before it is compared with a day.
"""

from __future__ import annotations

from datetime import date, datetime


def parse_timestamp(value: object) -> datetime | None:
    """An aware datetime from an ISO 8601 string (naive = local time) or epoch seconds.

    None when ``value`` is not a timestamp.
    """
    parsed: datetime
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value).astimezone()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        try:
            parsed = parsed.astimezone()
        except (OverflowError, OSError, ValueError):
            return None
    return parsed


def local_date(value: object) -> date | None:
    """The local calendar date of a stored timestamp, or None when it cannot be parsed."""
    parsed = parse_timestamp(value)
    if parsed is None:
        return None
    try:
        return parsed.astimezone().date()
    except (OverflowError, OSError, ValueError):
        return None


def stored_day(value: object) -> date | None:
    """A stored day (``date``, ``note_date``: "YYYY-MM-DD") as a date; None for
    anything else, such as a hand edit ("yesterday"), which no comparison may take."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
