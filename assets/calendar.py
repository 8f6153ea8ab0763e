"""A site's weekly operating calendar: when its equipment is meant to run, the time availability
is measured over. Stored as {"mon": [["06:00", "22:00"]], ...}; an empty calendar means 24/7, a
day missing from a non-empty one means the site does not run that day."""

import re

from django.core.exceptions import ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {d: d.capitalize() for d in WEEKDAYS}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
_LINE = re.compile(r"^(?P<days>[a-z]{3}(?:\s*-\s*[a-z]{3})?(?:\s*,\s*[a-z]{3}(?:\s*-\s*[a-z]{3})?)*)\s+"
                   r"(?P<windows>.+)$")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def validate_operating_hours(value) -> None:
    """Weekday keys, each a list of [start, end] "HH:MM" windows (end may be "24:00"), start before
    end, windows of a day not overlapping."""
    if value in (None, {}):
        return
    if not isinstance(value, dict):
        raise ValidationError("The operating hours are a mapping of weekday to time windows.")
    for day, windows in value.items():
        if day not in WEEKDAYS:
            raise ValidationError(f"“{day}” is not a weekday (use {', '.join(WEEKDAYS)}).")
        if not isinstance(windows, list):
            raise ValidationError(f"{_DAY_NAMES[day]}: give a list of [start, end] windows.")
        spans = []
        for window in windows:
            if (not isinstance(window, list | tuple) or len(window) != 2
                    or not all(isinstance(t, str) and _TIME.match(t) for t in window)):
                raise ValidationError(f"{_DAY_NAMES[day]}: a window is two times like 06:00 and 22:00.")
            start, end = (_minutes(t) for t in window)
            if end <= start:
                raise ValidationError(f"{_DAY_NAMES[day]}: {window[0]}–{window[1]} ends before it starts "
                                      "(split a night shift at midnight: 22:00-24:00 and 00:00-06:00 next day).")
            spans.append((start, end))
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            if start < end:
                raise ValidationError(f"{_DAY_NAMES[day]}: time windows overlap.")


def weekly_hours(value) -> float:
    """Scheduled hours in a week (168 for 24/7)."""
    if not value:
        return 168.0
    return sum(_minutes(e) - _minutes(s) for windows in value.values() for s, e in windows) / 60


def _expand_days(text: str) -> list[str]:
    days: list[str] = []
    for part in text.split(","):
        ends = [p.strip() for p in part.split("-")]
        for end in ends:
            if end not in WEEKDAYS:
                raise ValidationError(f"“{end}” is not a day; use Mon, Tue, Wed, Thu, Fri, Sat, Sun.")
        if len(ends) == 1:
            days.append(ends[0])
        else:
            a, b = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[1])
            if b < a:
                raise ValidationError(f"“{part.strip()}”: write the days in order, Monday first.")
            days.extend(WEEKDAYS[a:b + 1])
    return days


def parse_operating_hours(text: str) -> dict:
    """One line per group of days: "Mon-Fri 06:00-14:00, 14:00-22:00", "Sat 06:00-12:00". Empty: 24/7."""
    result: dict[str, list[list[str]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lower()
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            raise ValidationError(f"Line {number}: write days then times, e.g. “Mon-Fri 06:00-22:00”.")
        windows = []
        for window in match["windows"].split(","):
            times = [t.strip() for t in window.split("-")]
            if len(times) != 2:
                raise ValidationError(f"Line {number}: “{window.strip()}” is not a time window like 06:00-22:00.")
            windows.append(times)
        for day in _expand_days(match["days"]):
            if day in result:
                raise ValidationError(f"Line {number}: {_DAY_NAMES[day]} is given twice.")
            result[day] = windows
    validate_operating_hours(result)
    return {day: result[day] for day in WEEKDAYS if day in result}


def format_operating_hours(value) -> str:
    """The text form of a calendar, consecutive days with the same windows grouped."""
    if not value:
        return ""
    lines, day_index = [], 0
    while day_index < len(WEEKDAYS):
        day = WEEKDAYS[day_index]
        if day not in value:
            day_index += 1
            continue
        last = day_index
        while last + 1 < len(WEEKDAYS) and value.get(WEEKDAYS[last + 1]) == value[day]:
            last += 1
        days = _DAY_NAMES[day] if last == day_index else f"{_DAY_NAMES[day]}-{_DAY_NAMES[WEEKDAYS[last]]}"
        lines.append(f"{days} " + ", ".join(f"{s}-{e}" for s, e in value[day]))
        day_index = last + 1
    return "\n".join(lines)
