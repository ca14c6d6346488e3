"""server.clock: the days a business date may name turn into instants; no day, however far,
makes the day's bounds overflow (a row stored before the dates were bounded)."""
from datetime import date, timedelta

import pytest

from server import clock


def test_business_days_run_from_2000_to_2099():
    assert (clock.EARLIEST_DAY, clock.LATEST_DAY) == (date(2000, 1, 1), date(2099, 12, 31))


def test_a_day_ends_at_the_next_midnight_in_shanghai():
    assert clock.end_of_day(date(2026, 12, 31)).isoformat() == "2026-12-31T16:00:00+00:00"
    assert clock.start_of_day(date(2026, 12, 31)).isoformat() == "2026-12-30T16:00:00+00:00"


@pytest.mark.parametrize("day", [date.max, date.max - timedelta(days=1), date.min, date.min + timedelta(days=1)])
def test_the_bounds_of_the_first_and_last_days_leave_room_for_a_tolerance(day):
    end, start = clock.end_of_day(day), clock.start_of_day(day)

    assert start <= end
    assert (end + timedelta(hours=1)) > end and (start - timedelta(hours=1)) < start
    assert int(end.timestamp()) > 0 or day < date(1970, 1, 1)
