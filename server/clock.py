"""The one clock of the application.

Business time is Asia/Shanghai. Every domain function asks this module for "now" so that tests
can move time (``set_now``) without patching datetime everywhere.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")

#: The days a business date (a commission's period, a code's validity, a statistics period) may
#: name. No service of this platform happens outside them, and every day inside turns into an
#: instant with room to spare; the schemas refuse the others at the field.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)

# The instants handed out stay a day inside datetime's range, so that a caller adding a tolerance
# to the end of a far day (a row stored before the dates were bounded) cannot overflow either.
_FIRST_INSTANT = datetime.min.replace(tzinfo=timezone.utc) + timedelta(days=1)
_LAST_INSTANT = datetime.max.replace(tzinfo=timezone.utc) - timedelta(days=1)

_frozen = None


def now():
    """The current instant as an aware datetime in UTC (or the frozen test instant)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc)


def set_now(instant):
    """Freeze the clock at ``instant`` (aware datetime); ``None`` lets it run again."""
    global _frozen
    if instant is not None and instant.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _frozen = instant.astimezone(timezone.utc) if instant is not None else None


def frozen_at():
    """The instant the clock is frozen at, or ``None`` when it runs (to put it back afterwards)."""
    return _frozen


def today():
    """Today's date in Asia/Shanghai."""
    return now().astimezone(BUSINESS_TZ).date()


def start_of_day(day):
    """The first instant of ``day`` in Asia/Shanghai, as aware UTC (for the first and last days
    datetime can hold: an instant a day inside its range)."""
    if day <= date.min + timedelta(days=1):
        return _FIRST_INSTANT
    if day >= date.max - timedelta(days=1):
        return _LAST_INSTANT
    return datetime.combine(day, time.min, BUSINESS_TZ).astimezone(timezone.utc)


def end_of_day(day):
    """The instant right after ``day`` ends in Asia/Shanghai (exclusive bound), as aware UTC.
    Never raises for a day far in the future: see :func:`start_of_day`."""
    if day >= date.max - timedelta(days=1):
        return _LAST_INSTANT
    return start_of_day(day + timedelta(days=1))


def as_utc(value):
    """Read a datetime from the database as aware UTC (SQLite hands back naive values)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def isoformat_local(value):
    """ISO 8601 with the +08:00 offset, as the phone API promises."""
    if value is None:
        return None
    return as_utc(value).astimezone(BUSINESS_TZ).isoformat(timespec="seconds")
