"""Values in people's words, the one place exports and report pages turn numbers, money, dates and
durations into text: the instance's currency, the site's (or the instance's) time zone, "15 Mar 2026"."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

from accounts.preferences import current_currency
from prosync.core.humanize import CURRENCY_SIGNS

EMPTY = "—"
DATE_FORMAT = "%d %b %Y"            # 15 Mar 2026: no day/month ambiguity across countries
DATETIME_FORMAT = "%d %b %Y %H:%M"  # to the minute: seconds and microseconds mean nothing to a planner
# The same formats for spreadsheet cells (XlsxWriter's num_format), so a cell reads like the page.
XLSX_DATE = "dd mmm yyyy"
XLSX_DATETIME = "dd mmm yyyy hh:mm"

def currency() -> str:
    """The instance's currency, as an Admin set it on the settings page: the one the pages show."""
    return current_currency()


def currency_symbol(code: str | None = None) -> str:
    code = code or currency()
    return CURRENCY_SIGNS.get(code, code)


def xlsx_money_format(code: str | None = None) -> str:
    """A number format that shows the currency but keeps the cell a number (sums still work)."""
    symbol = currency_symbol(code)
    return f'"{symbol}" #,##0.00' if len(symbol) > 1 else f"{symbol}#,##0.00"


def zone_for(site=None) -> tzinfo:
    """The site's time zone when it names a real one, else the instance's."""
    name = getattr(site, "timezone", "") or ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def number(value, places: int = 0) -> str:
    """1234.5 → "1,234.5" with ``places`` decimals; None → "—"."""
    dec = _decimal(value)
    if dec is None:
        return EMPTY
    quant = Decimal(1).scaleb(-places)
    return f"{dec.quantize(quant, rounding=ROUND_HALF_UP):,.{places}f}"


def money(value, code: str | None = None) -> str:
    """12345.6 → "€12,345.60" (or "CHF 12,345.60" where the symbol is a word); None → "—"."""
    dec = _decimal(value)
    if dec is None:
        return EMPTY
    symbol = currency_symbol(code)
    sign = "-" if dec < 0 else ""
    amount = number(abs(dec), 2)
    return f"{sign}{symbol} {amount}" if len(symbol) > 1 else f"{sign}{symbol}{amount}"


def hours(value, places: int = 1) -> str:
    """Hours as a number with "h"; a timedelta counts as its hours."""
    if isinstance(value, timedelta):
        value = value.total_seconds() / 3600
    text = number(value, places)
    return text if text == EMPTY else f"{text} h"


def minutes(value) -> str:
    if isinstance(value, timedelta):
        value = value.total_seconds() / 60
    text = number(value, 0)
    return text if text == EMPTY else f"{text} min"


def percent(value, places: int = 1) -> str:
    """A percentage already in 0–100 ("97.5 %"); None → "—"."""
    text = number(value, places)
    return text if text == EMPTY else f"{text} %"


def local_datetime(value: datetime | None, site=None) -> datetime | None:
    """An aware datetime in the site's time zone (naive: taken as already local)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        return value
    return timezone.localtime(value, zone_for(site))


def naive_local(value: datetime | None, site=None) -> datetime | None:
    """The local wall-clock time without a zone: what a spreadsheet cell holds."""
    local = local_datetime(value, site)
    return local.replace(tzinfo=None) if local is not None else None


def date_text(value, site=None) -> str:
    """15 Mar 2026; a datetime gives its local date."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        value = local_datetime(value, site).date()
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def datetime_text(value, site=None) -> str:
    """15 Mar 2026 14:05 in the site's time zone."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        return local_datetime(value, site).strftime(DATETIME_FORMAT)
    return date_text(value, site)


def duration(value: timedelta | None) -> str:
    """A span as people say it: "45 min", "3.5 h", "2 d 4 h"."""
    if value is None:
        return EMPTY
    mins = value.total_seconds() / 60
    if mins < 90:
        return minutes(mins)
    if mins < 48 * 60:
        return hours(mins / 60)
    days, rest = divmod(int(round(mins / 60)), 24)
    return f"{days} d {rest} h" if rest else f"{days} d"


UNIT_FORMATTERS = {
    "currency": money,
    "money": money,
    "h": hours,
    "hours": hours,
    "min": minutes,
    "%": percent,
    "percent": percent,
    "count": number,
    "number": lambda v: number(v, 0 if isinstance(v, int) else 1),
    "days": lambda v: f"{number(v, 1)} days",
    "date": date_text,
    "datetime": datetime_text,
}


def by_unit(value, unit: str, site=None) -> str:
    """A figure's or a cell's value in words, by the unit or column kind the report gives it."""
    if value is None or value == "":
        return EMPTY
    if unit in ("date", "datetime"):
        return UNIT_FORMATTERS[unit](value, site)
    formatter = UNIT_FORMATTERS.get(unit)
    if formatter is not None:
        return formatter(value)
    if isinstance(value, datetime):
        return datetime_text(value, site)
    if isinstance(value, date):
        return date_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        text = number(value, 0 if isinstance(value, int) else 1)
        return f"{text} {unit}".rstrip() if unit and unit != "text" else text
    return str(value)
