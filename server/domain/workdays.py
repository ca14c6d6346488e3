"""China's working days: statutory holidays and the weekend days worked in lieu (调休上班).

The calendar comes from the maintained ``holidays`` package (``holidays.China``), which follows the
State Council's yearly schedule; for a year whose schedule is not published yet it uses the
statutory rules, and the package's next release brings the official one.
"""
from datetime import timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _calendar(year):
    return holidays.China(years=[year])


def is_working_day(day):
    """True on Monday–Friday that are not holidays, and on weekend days worked in lieu."""
    return _calendar(day.year).is_working_day(day)


def next_working_day(day):
    """The first working day strictly after ``day``."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate):
        candidate += timedelta(days=1)
    return candidate


def add_working_days(day, count):
    """The ``count``-th working day after ``day``."""
    for _ in range(count):
        day = next_working_day(day)
    return day
