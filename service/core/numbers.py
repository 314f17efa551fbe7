"""Numbers as people read them, in the page's language: Vietnamese separators ("87,5 %",
"1.234"), English ones ("87.5%", "1,234"); working time as people say it ("1 giờ 30 phút
làm việc").

Rounded half up, as people and spreadsheets round: Babel rounds half to even by default, and
a rate of 5 in 11 (0.4545 as the API gives it) would read "45,4 %" on the console beside
"45,5 %" in the monthly PDF. Both write their rates through :func:`percent` here.
"""

import decimal as _decimal

from babel.numbers import format_decimal, format_percent

# A tenth of a percent at most, as the API rounds its rates (4 places); no ",0" on a whole
# percent. Vietnamese writes a space before the sign ("89 %"), English none ("89%").
PERCENT_PATTERN = {"vi": "#,##0.# %", "en": "#,##0.#%"}


def _locale(lang: str) -> str:
    return "en" if lang == "en" else "vi"


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as the API gives a rate: 0..1 to 4 places, None of nothing."""
    return round(part / whole, 4) if whole else None


def percent(rate: float | None, lang: str = "vi") -> str:
    """A 0..1 rate in the page's number format: "87,5 %", "89 %" (Vietnamese); "87.5%"."""
    if rate is None:
        return "—"
    locale = _locale(lang)
    with _decimal.localcontext() as context:
        context.rounding = _decimal.ROUND_HALF_UP
        return format_percent(rate, PERCENT_PATTERN[locale], locale=locale)


def decimal(value: float | None, lang: str = "vi", *, digits: int = 2) -> str:
    """A number with up to ``digits`` decimals, the page's separators: "4,25", "1.234"."""
    if value is None:
        return "—"
    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    with _decimal.localcontext() as context:
        context.rounding = _decimal.ROUND_HALF_UP
        return format_decimal(value, pattern, locale=_locale(lang))


def _half_up(value: float) -> int:
    return int(_decimal.Decimal(repr(value)).quantize(_decimal.Decimal(1), rounding=_decimal.ROUND_HALF_UP))


def working_time(minutes: float | None, lang: str = "vi", *, short: bool = False) -> str:
    """Working minutes to the nearest minute, as people say them: 90 -> "1 giờ 30 phút làm
    việc", "1 h 30 min working time"; without the last words when ``short`` (a column whose
    header says working time). None (nothing handled): a dash."""
    if minutes is None:
        return "—"
    hours, rest = divmod(_half_up(minutes), 60)
    locale = _locale(lang)
    hour_word, minute_word, suffix = ("h", "min", " working time") if locale == "en" else ("giờ", "phút", " làm việc")
    parts = [f"{decimal(hours, locale, digits=0)} {hour_word}"] if hours else []
    parts += [f"{rest} {minute_word}"] if rest or not hours else []
    return " ".join(parts) + ("" if short else suffix)
