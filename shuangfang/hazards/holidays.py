"""China's statutory working days and holidays (国务院办公厅关于部分节假日安排的通知), for the investigation scheduler.

The yearly arrangements come from the `chinese_calendar` package, which carries each year the State Council has
published. A year it does not carry yet (the next year before the notice is out, usually in November) falls back to
the plain week: Monday to Friday are working days, weekends are not, and no statutory holiday is known. Nothing here
raises for such a year; the scheduler keeps running on the plain week until the package is updated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

# The package names holidays in English; the platform speaks Chinese (these become task titles, stored data).
_HOLIDAY_NAMES = {
    chinese_calendar.Holiday.new_years_day.value: "元旦",
    chinese_calendar.Holiday.spring_festival.value: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day.value: "清明节",
    chinese_calendar.Holiday.labour_day.value: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival.value: "端午节",
    chinese_calendar.Holiday.national_day.value: "国庆节",
    chinese_calendar.Holiday.mid_autumn_festival.value: "中秋节",
    chinese_calendar.Holiday.anti_fascist_70th_day.value: "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# The longest statutory break (Spring Festival, with its weekends) is nine days; a break is looked at this far.
_LONGEST_BREAK = timedelta(days=14)


@dataclass(frozen=True)
class StatutoryHoliday:
    """A statutory holiday break: its first day off and its name ("中秋节、国庆节" when two run together)."""

    first_day: date
    name: str


def _detail(day: date) -> tuple[bool, str | None]:
    """(is a day off, the holiday's name or None) — for a year the package does not carry, the plain week."""
    try:
        day_off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return day.weekday() >= 5, None
    # The package also names the adjusted working days (调休上班), which are working days: only days off count.
    return bool(day_off), (name if day_off else None)


def is_covered(day: date) -> bool:
    """Whether the package carries the State Council's arrangement for the year of `day`."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """A statutory working day: Monday to Friday unless a holiday, plus the adjusted working weekend days (调休).

    For a year the package does not carry: Monday to Friday."""
    return not _detail(day)[0]


def last_working_day_before(day: date) -> date:
    """The last working day strictly before `day`."""
    previous = day - timedelta(days=1)
    while not is_working_day(previous):
        previous -= timedelta(days=1)
    return previous


def _break_from(first_day: date) -> StatutoryHoliday | None:
    """The break of consecutive days off beginning on `first_day`, if a statutory holiday falls within it (a plain
    weekend is no holiday; a weekend running into a holiday is part of the break)."""
    names: list[str] = []
    day = first_day
    while day - first_day <= _LONGEST_BREAK:
        day_off, name = _detail(day)
        if not day_off:
            break
        if name is not None:
            chinese = _HOLIDAY_NAMES.get(name, name)
            if chinese not in names:
                names.append(chinese)
        day += timedelta(days=1)
    return StatutoryHoliday(first_day, "、".join(names)) if names else None


def holidays_starting_between(first: date, last: date) -> list[StatutoryHoliday]:
    """The statutory holiday breaks whose first day off falls within first..last (both included), in date order.

    A break begins on the first of its consecutive days off: a weekend just before a holiday is counted in. For a
    year the package does not carry, none (the plain week knows no holiday)."""
    found = []
    day = first
    while day <= last:
        if not is_working_day(day) and is_working_day(day - timedelta(days=1)):
            holiday = _break_from(day)
            if holiday is not None:
                found.append(holiday)
        day += timedelta(days=1)
    return found
