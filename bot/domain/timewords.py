"""The words English and German speakers use for times and dates, shared by the parser and the detector.

Pure data plus a few small helpers (typo matching, ASCII spellings of umlauts, Easter); no parsing here.
Everything is lower case; callers normalise first.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

__all__ = [
    "ALIASES",
    "DAY_PARTS",
    "DAY_PARTS_TODAY",
    "FUZZY_KEYWORDS",
    "HOLIDAYS",
    "HOUR_WORDS",
    "MINUTE_WORDS",
    "MONTHS",
    "MONTHS_ALONE",
    "NUMBER_WORDS",
    "RELATIVE_DAYS",
    "WEEKDAYS",
    "WEEKDAYS_FULL",
    "WEEKDAYS_TRIGGERLESS",
    "WEEKDAYS_TWO_LETTER",
    "WEEKDAYS_TWO_LETTER_BARE",
    "ascii_spelling",
    "correct_typo",
    "easter_sunday",
    "holiday_date",
    "one_edit_apart",
]

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "montag": 0,
    "tuesday": 1, "tue": 1, "tues": 1, "dienstag": 1,
    "wednesday": 2, "wed": 2, "mittwoch": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "donnerstag": 3,
    "friday": 4, "fri": 4, "freitag": 4,
    "saturday": 5, "sat": 5, "samstag": 5, "sonnabend": 5,
    "sunday": 6, "sun": 6, "sonntag": 6,
}  # fmt: skip
WEEKDAYS_FULL = frozenset(name for name in WEEKDAYS if len(name) > 5)
"""Names that are a weekday and nothing else; only these count without a trigger word."""
WEEKDAYS_TRIGGERLESS = WEEKDAYS_FULL | {"tue", "tues", "thu", "thur", "thurs", "fri"}
"""Also fine on their own at the end of a text ("Review it Fri"); "wed", "sat", "sun", "mon" are words."""
WEEKDAYS_TWO_LETTER = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}
"""German abbreviations; with their dot ("Mo."), or bare after a trigger word when they are no German word."""
WEEKDAYS_TWO_LETTER_BARE = frozenset({"mo", "di", "mi", "fr"})

MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "januar": 1, "jänner": 1,
    "february": 2, "feb": 2, "februar": 2, "feber": 2,
    "march": 3, "mar": 3, "märz": 3, "mär": 3, "mrz": 3,
    "april": 4, "apr": 4,
    "may": 5, "mai": 5,
    "june": 6, "jun": 6, "juni": 6,
    "july": 7, "jul": 7, "juli": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12, "dezember": 12, "dez": 12,
}  # fmt: skip
MONTHS_ALONE = frozenset(
    name for name in MONTHS if len(name) >= 4 and name not in {"march", "sept", "feber"}
) - {"may"}
"""Month names that look like a time even without a day number ("Mai", "January"); "may" and "march"
are English verbs first."""

RELATIVE_DAYS: dict[str, int] = {
    "today": 0, "heute": 0, "tomorrow": 1, "morgen": 1,
    "day after tomorrow": 2, "the day after tomorrow": 2, "übermorgen": 2,
    # Past days parse too, so that "by yesterday" is answered with past_date instead of being kept as text.
    "yesterday": -1, "gestern": -1, "day before yesterday": -2, "the day before yesterday": -2, "vorgestern": -2,
}  # fmt: skip
ALIASES: dict[str, str] = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "2morrow": "tomorrow", "2moro": "tomorrow",
    "tomorow": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow", "tomorrw": "tomorrow",
    "tonite": "tonight", "2nite": "tonight", "xmas": "christmas", "x-mas": "christmas",
    "untill": "until", "til": "till", "'til": "till", "sylvester": "silvester",
    "mittags": "mittag", "vormittags": "vormittag", "nachmittags": "nachmittag", "abends": "abend",
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
    "ein": 1, "eine": 1, "einen": 1, "einem": 1, "einer": 1, "eines": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
    "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "dreizehn": 13,
    "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19,
    "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfundvierzig": 45, "fünfzig": 50, "sechzig": 60,
    "neunzig": 90,
}  # fmt: skip
HOUR_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "eins": 1, "ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
    "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
}  # fmt: skip
MINUTE_WORDS: dict[str, int] = {
    "five": 5, "ten": 10, "twenty": 20, "twenty-five": 25, "fünf": 5, "zehn": 10, "zwanzig": 20,
    "fünfundzwanzig": 25,
}  # fmt: skip

# Parts of the day: the word as written -> the part it names (the parser maps parts to clock times).
DAY_PARTS: dict[str, str] = {
    "morning": "morning", "in the morning": "morning", "morgens": "morning", "am morgens": "morning",
    "früh": "morning", "in der früh": "morning", "vormittag": "morning", "am vormittag": "morning",
    "noon": "noon", "at noon": "noon", "midday": "noon", "lunch": "noon", "lunchtime": "noon",
    "mittag": "noon", "zu mittag": "noon", "am mittag": "noon",
    "afternoon": "afternoon", "in the afternoon": "afternoon", "nachmittag": "afternoon",
    "am nachmittag": "afternoon",
    "evening": "evening", "in the evening": "evening", "abend": "evening", "am abend": "evening",
    "midnight": "midnight", "mitternacht": "midnight",
}  # fmt: skip
# "this morning", "tonight" and friends name the day as well.
DAY_PARTS_TODAY: dict[str, str] = {
    "this morning": "morning", "this afternoon": "afternoon", "this evening": "evening",
    "tonight": "evening", "later today": "end_of_day", "sometime today": "end_of_day",
    "im laufe des tages": "end_of_day", "im laufe des heutigen tages": "end_of_day",
}  # fmt: skip

# Holidays by name -> the key holiday_date() knows.
HOLIDAYS: dict[str, str] = {
    "christmas": "christmas", "christmas eve": "christmas_eve", "weihnachten": "christmas",
    "heiligabend": "christmas_eve", "heilig abend": "christmas_eve", "heiligen abend": "christmas_eve",
    "weihnachtsabend": "christmas_eve", "christmas day": "christmas_day", "1. weihnachtstag": "christmas_day",
    "1. weihnachtsfeiertag": "christmas_day", "erster weihnachtsfeiertag": "christmas_day",
    "ersten weihnachtsfeiertag": "christmas_day", "boxing day": "boxing_day",
    "2. weihnachtsfeiertag": "boxing_day", "zweiter weihnachtsfeiertag": "boxing_day",
    "zweiten weihnachtsfeiertag": "boxing_day", "stephanstag": "boxing_day",
    "new year's eve": "new_years_eve", "new years eve": "new_years_eve", "nye": "new_years_eve",
    "silvester": "new_years_eve", "new year": "new_year", "new year's": "new_year", "new years": "new_year",
    "new year's day": "new_year", "new years day": "new_year", "neujahr": "new_year",
    "neujahrstag": "new_year", "easter": "easter", "ostern": "easter", "easter sunday": "easter_sunday",
    "ostersonntag": "easter_sunday", "easter monday": "easter_monday", "ostermontag": "easter_monday",
    "good friday": "good_friday", "karfreitag": "good_friday", "maundy thursday": "maundy_thursday",
    "gründonnerstag": "maundy_thursday",
}  # fmt: skip
_FIXED_HOLIDAYS = {
    "christmas": (12, 24),  # "by Christmas" means before the holidays start: Christmas Eve
    "christmas_eve": (12, 24),
    "christmas_day": (12, 25),
    "boxing_day": (12, 26),
    "new_years_eve": (12, 31),
    "new_year": (1, 1),
}
_EASTER_OFFSETS = {
    "easter": -3,  # like Christmas: the last day before the Easter holidays (Good Friday is one)
    "maundy_thursday": -3,
    "good_friday": -2,
    "easter_sunday": 0,
    "easter_monday": 1,
}


def holiday_date(key: str, year: int) -> date:
    """The day a holiday name stands for in ``year``."""
    if key in _FIXED_HOLIDAYS:
        month, day = _FIXED_HOLIDAYS[key]
        return date(year, month, day)
    return easter_sunday(year) + timedelta(days=_EASTER_OFFSETS[key])


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, "Meeus/Jones/Butcher")."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


# --------------------------------------------------------------------------------------------------
# Typos: one letter off (inserted, missing, wrong or two swapped), only for the keywords below.

FUZZY_KEYWORDS = frozenset(
    {
        *("within", "innerhalb", "binnen", "until", "before", "spätestens"),
        *("today", "tomorrow", "tonight", "übermorgen"),
        *(name for name in WEEKDAYS if len(name) > 5),
        *("january", "february", "april", "august", "september", "october", "november", "december"),
        *("januar", "februar", "oktober", "dezember"),
        *("morning", "afternoon", "evening", "vormittag", "nachmittag", "feierabend"),
        *("christmas", "weihnachten", "silvester", "neujahr"),
    }
)
"""Keywords of at least four letters that tolerate a typo. Short ones ("by", "bis", "in") never do, nor
"till" (will, tell, still), "morgen" (Morgan, Sorgen, borgen) or the units (Kunden ~ Stunden)."""
_FUZZY_BLOCKLIST = frozenset(
    {"frida", "morgan", "leute", "binden", "innen", "fonday", "undo", "tuesdays", "mondays", "toady"}
)


def one_edit_apart(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by exactly one inserted, deleted, replaced or swapped letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def correct_typo(token: str, keywords: frozenset[str] = FUZZY_KEYWORDS) -> str | None:
    """The keyword ``token`` is a one-letter typo of, if exactly one; inflections are no typos."""
    if len(token) < 4 or token in keywords or token in _FUZZY_BLOCKLIST or not token.isalpha():
        return None
    matches = [keyword for keyword in _by_length(keywords, len(token)) if one_edit_apart(token, keyword)]
    if len(matches) != 1 or token.startswith(matches[0]):  # "Fridays", "Montage" are words of their own
        return None
    return matches[0]


@cache
def _length_index(keywords: frozenset[str]) -> dict[int, tuple[str, ...]]:
    index: dict[int, list[str]] = {}
    for keyword in keywords:
        if len(keyword) >= 4:
            index.setdefault(len(keyword), []).append(keyword)
    return {length: tuple(sorted(words)) for length, words in index.items()}


def _by_length(keywords: frozenset[str], length: int) -> tuple[str, ...]:
    index = _length_index(keywords)
    return index.get(length - 1, ()) + index.get(length, ()) + index.get(length + 1, ())


def ascii_spelling(word: str) -> str:
    """ "übermorgen" -> "uebermorgen": how the word is typed on a keyboard without umlauts."""
    return word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
