"""server.domain.workdays: China's statutory holidays and adjusted working days (2026 schedule)."""
from datetime import date

import pytest

from server.domain.workdays import add_working_days, is_working_day, next_working_day


@pytest.mark.parametrize("day, expected", [
    (date(2026, 12, 3), date(2026, 12, 4)),    # Thursday → Friday
    (date(2026, 12, 4), date(2026, 12, 7)),    # Friday → Monday
    (date(2026, 2, 13), date(2026, 2, 14)),    # Friday → Saturday worked in lieu of the Spring Festival
    (date(2026, 2, 14), date(2026, 2, 24)),    # Spring Festival 15–23 Feb off
    (date(2026, 9, 19), date(2026, 9, 20)),    # Saturday → Sunday worked in lieu of National Day
    (date(2026, 9, 30), date(2026, 10, 8)),    # National Day 1–7 Oct off
    (date(2026, 4, 30), date(2026, 5, 6)),     # Labour Day 1–5 May off
])
def test_next_working_day_follows_the_2026_schedule(day, expected):
    assert next_working_day(day) == expected


def test_weekend_days_worked_in_lieu_are_working_days_and_holidays_are_not():
    assert is_working_day(date(2026, 10, 10)) is True     # Saturday, worked
    assert is_working_day(date(2026, 10, 1)) is False     # National Day
    assert is_working_day(date(2026, 12, 5)) is False     # plain Saturday
    assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)
