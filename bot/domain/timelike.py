"""Find the fragments of a text that look like a time or a date, so that none is ever silently ignored.

Used twice: the `/request` parser reports the fragments it did not read (``RequestDraft.unread``), and
the modal checks its free-text fields with :func:`time_like_fragments`.

Time-like means: a weekday, a month name (with a number, or after in/by/bis/Ende …), a day word
(today, morgen, tonight), a part of the day, EOD/Feierabend, end of week/month, a calendar week, a
holiday, a clock time (3pm, 14 Uhr, halb vier, um 3), a date (15.01., 2026-12-04, 15. Januar), a number
with a time unit (4h, zwei Tage, half a day), urgency (asap, dringend) and vague times (soon, zeitnah);
together with a trigger word or preposition just before it (by, bis, within, innerhalb, in, on, am …).
Not time-like: references to the past (yesterday, last Friday, vor 2 Tagen, seit Montag), greetings
("Guten Morgen", "bis bald"), "not urgent"/"ab sofort", bare numbers and years.

Only exact words count here — typos are forgiven by the parser where a clause then parses, never by
guessing at single words. Cheap on purpose: a fixed set of linear regular expressions.
"""

from __future__ import annotations

import re

from bot.domain import timewords as words

__all__ = ["is_urgency_fragment", "mentions_urgency", "time_like_fragments"]


def _alternation(vocabulary) -> str:
    return "|".join(re.escape(word) for word in sorted(vocabulary, key=len, reverse=True))


def _with_ascii(vocabulary) -> set[str]:
    return {spelling for word in vocabulary for spelling in (word, words.ascii_spelling(word))}


_WEEKDAY_FULL = _alternation(_with_ascii(words.WEEKDAYS_FULL))
_WEEKDAY_SHORT = r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|mo\.|di\.|mi\.|do\.|fr\.|sa\.|so\.|mo|di|mi|fr"
_MONTH_ANY = _alternation(_with_ascii(words.MONTHS))
_MONTH_ALONE = _alternation(_with_ascii(words.MONTHS_ALONE))
_HOUR_WORD = _alternation(words.HOUR_WORDS)
_MINUTE_WORD = _alternation(words.MINUTE_WORDS)
_NUMBER_WORD = _alternation(
    _with_ascii(set(words.NUMBER_WORDS) - {"a", "an", "ein", "eine", "einen", "einem", "einer"})
)
_ONE_WORD = r"a|an|one|ein|eine|einen|einem|einer|eines"
_ABOUT = r"(?:(?:about|around|approximately|roughly|etwa|ungefähr|ca\.?|circa|zirka)\s+)?"
_UNIT = (
    r"minutes?|mins?\.?|minuten|hours?|hrs?\.?|std\.?|stunden?|days?|tage?n?|tages|werktage?n?|arbeitstage?n?"
    r"|(?:business|working|work)\s+days?|workdays?|weeks?|wochen?|wks?|months?|monate?n?|years?|jahre?n?"
)
_TRIGGER = (
    r"by|bis(?:\s+(?:spätestens|spaetestens|zum|zur|zu))?|until|untill|till|til|before|vor|within"
    r"|innerhalb(?:\s+(?:von|der|des))?|binnen|in|(?:aller)?spätestens|(?:aller)?spaetestens|due|deadline:?"
    r"|fällig(?:\s+(?:am|bis))?|no\s+later\s+than|not\s+later\s+than|latest\s+by|for|für"
)
_CONNECTOR = (
    r"on|am|at|um|gegen|the|den|dem|der|this|next|coming|nächste[nrs]?|naechste[nrs]?|diese[nrs]?"
    r"|kommende[nrs]?|übernächste[nrs]?|uebernaechste[nrs]?|noch|zum|zur|of|around|about|ca\.?|circa|etwa"
    r"|ungefähr|so|early|late|mid|anfang|mitte|ende|end\s+of"
)
_URGENT = (
    r"asap|a\.s\.a\.p\.?|as\s+soon\s+as\s+(?:possible|you\s+can)|urgent|urgently|immediately|right\s+away"
    r"|straight\s+away|sofort|umgehend|schnellstmöglich|schnellstens|baldmöglichst|baldigst|eilig|eilige[nmrs]?"
    r"|eilt|dringend|dringende[nmrs]?|so\s+(?:schnell|bald|früh)\s+wie\s+möglich|möglichst\s+(?:schnell|bald)"
)
_NOT_URGENT = (
    r"not\s+(?:urgent|urgently|asap)|no\s+(?:rush|hurry)|nicht\s+(?:dringend|eilig|sofort)|keine\s+eile"
    r"|eilt\s+nicht|ab\s+sofort|kein\s+stress"
)

_B = r"(?<![\w.])"  # a word starts here
_E = r"(?![\w])"  # a word ends here

_ANCHORS = [
    # Days and parts of days
    rf"{_B}(?:{_WEEKDAY_FULL})(?:s|'s)?(?:morgen|vormittag|mittag|nachmittag|abend|früh)?s?{_E}",
    rf"{_B}(?:today|tomorrow|tonight|tonite|tmrw|tmr|2morrow|tomorow|tommorow|tommorrow|heute|übermorgen"
    rf"|uebermorgen|morgen){_E}",
    rf"{_B}(?:mornings?|afternoons?|evenings?|noon|midday|midnight|lunchtime|vormittags?|nachmittags?"
    rf"|mittags|abends|morgens|mitternacht|in\s+der\s+früh|(?:at|by|bis|until|before|till)\s+lunch){_E}",
    rf"{_B}(?:heute|morgen|übermorgen|uebermorgen|{_WEEKDAY_FULL})\s+(?:morgen|vormittag|mittag|nachmittag|abend|früh|frueh){_E}",
    rf"{_B}(?:am|zum|zu|bis|vor|gegen)\s+(?:morgen|vormittag|mittag|nachmittag|abend){_E}",
    rf"{_B}(?:eod|eob|cob|eow|eom|eoy|eoq|feierabend|dienstschluss|tagesende|monatsende|jahresende|quartalsende"
    rf"|wochenende|weekend|close\s+of\s+(?:business|play)|arbeitsende){_E}",
    rf"{_B}end\s+of\s+(?:the\s+)?(?:(?:next|this|following)\s+)?(?:business\s+|working\s+|work\s+)?"
    rf"(?:day|week|month|year|quarter|business|today|{_MONTH_ANY}|{_WEEKDAY_FULL}){_E}",
    rf"{_B}ende\s+(?:(?:des|der|dieses|dieser|nächsten|nächster|kommenden|kommender)\s+)?"
    rf"(?:(?:arbeits)?tages|woche|monats|jahres|quartals|{_MONTH_ANY}){_E}",
    rf"{_B}im\s+laufe\s+(?:des|der)\s+(?:heutigen\s+)?(?:tages|woche|monats){_E}",
    rf"{_B}(?:(?:this|next|coming|following)\s+(?:week|month)|(?:the\s+)?week\s+after\s+next"
    rf"|(?:diese[rnms]?|nächste[rnms]?|naechste[rnms]?|kommende[rnms]?|übernächste[rnms]?)\s+(?:woche|monat)){_E}",
    rf"{_B}(?:kw|cw|kalenderwoche|calendar\s+week|week|woche)\s*\d{{1,2}}(?!\d)",
    rf"{_B}(?:{_alternation(_with_ascii(words.HOLIDAYS))}|xmas|x-mas){_E}",
    rf"{_B}(?:soon|shortly|zeitnah|demnächst|in\s+kürze|bald){_E}",
    # Durations
    rf"{_B}(?:\d+(?:[.,]\d+)?\s*|(?:{_NUMBER_WORD})\s+)(?:{_UNIT}){_E}",
    rf"{_B}\d+(?:h|(?-i:d)|min){_E}",
    rf"{_B}(?:within|innerhalb(?:\s+von)?|binnen|in|for|für)\s+{_ABOUT}(?:\d+\s*(?:m|w)|(?:{_ONE_WORD})\s+(?:{_UNIT})){_E}",
    rf"{_B}(?:within|innerhalb|binnen|in)\s+(?:the|der|des)\s+(?:(?:next|nächsten|naechsten)\s+)?"
    rf"(?:hour|day|week|stunde|tages|woche){_E}",
    rf"{_B}(?:half\s+(?:a|an)\s+(?:hour|day)|half\s+(?:hour|day)|(?:eine[nrms]?\s+)?halbe[nrms]?\s+(?:stunde|tag(?:es)?)"
    rf"|(?:eine[nr]?\s+)?(?:drei)?viertel\s*stunde|anderthalb\s+stunden?|eineinhalb\s+stunden?"
    rf"|(?:a\s+)?couple\s+(?:of\s+)?(?:minutes|hours|days|weeks)|(?:ein\s+)?paar\s+(?:minuten|stunden|tage[n]?|wochen)"
    rf"|(?:a\s+)?few\s+(?:minutes|hours|days|weeks)|einige[nr]?\s+(?:minuten|stunden|tage[n]?|wochen)"
    rf"|(?:a\s+)?quarter\s+(?:of\s+an\s+)?hour|1/2\s*(?:h|hour|day|stunde|tag)){_E}",
    # Clock times
    rf"{_B}\d{{1,2}}(?:[:.]\d{{2}})?(?:am|pm|\s*a\.m\.?|\s*p\.m\.?|\s+pm){_E}",
    rf"{_B}\d{{1,2}}(?:[:.]\d{{2}})?\s*uhr(?:\s+\d{{1,2}}(?!\d))?{_E}",
    rf"{_B}\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?!\d)",
    rf"{_B}\d{{1,2}}h\d{{2}}(?!\d)|{_B}(?:0\d|1[3-9]|2[0-4])h{_E}",
    rf"{_B}(?:at|um|gegen|@)\s+(?:\d{{1,2}}(?:[.:]\d{{2}})?|{_HOUR_WORD})(?![\w:/]|[.,]\d)"
    r"(?!\s*(?:%|prozent|percent|euro|eur|€|\$|usd|mal|stück|punkte?|grad|cent|leute|people|personen|uhr))",
    rf"{_B}(?:halb|viertel\s+nach|viertel\s+vor|dreiviertel|(?:\d{{1,2}}|{_MINUTE_WORD})\s+(?:minuten\s+)?(?:nach|vor))"
    rf"\s+(?:\d{{1,2}}|{_HOUR_WORD})(?:\s+uhr)?{_E}",
    rf"{_B}(?:half\s+past|(?:a\s+)?quarter\s+(?:past|to|after)|(?:\d{{1,2}}|{_MINUTE_WORD})\s+(?:minutes\s+)?"
    rf"(?:past|to|after))\s+(?:\d{{1,2}}|{_HOUR_WORD}|noon|midnight){_E}",
    rf"{_B}(?:\d{{1,2}}|{_HOUR_WORD})\s+o'?clock{_E}",
    rf"{_B}half\s+(?:{_HOUR_WORD}|\d{{1,2}}){_E}(?!\s+(?:of|an?|hours?|days?|stunden?|tage?))",
    # Dates
    rf"{_B}\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[t ]\d{{1,2}}:\d{{2}})?(?!\d)",
    rf"{_B}\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}})?(?![\d])",
    rf"{_B}\d{{1,2}}/\d{{1,2}}/(?:\d{{4}}|\d{{2}})(?!\d)|{_B}\d{{1,2}}-\d{{1,2}}-\d{{4}}(?!\d)",
    rf"{_B}(?:by|bis|until|till|before|vor|on|am|due|zum)\s+\d{{1,2}}/\d{{1,2}}(?![\d/.])",
    rf"{_B}\d{{1,2}}(?:\.|st|nd|rd|th|ten|ter|te)?\s+(?:of\s+)?(?:{_MONTH_ANY})\.?(?:\s+\d{{4}})?{_E}",
    rf"{_B}(?:{_MONTH_ANY})\.?\s+(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?!\w|\.\d)",
    rf"{_B}(?:{_MONTH_ANY})\s+\d{{4}}{_E}",
    rf"{_B}(?:in|im|by|bis|until|till|before|vor|ende|end\s+of|anfang|beginning\s+of|mitte|early|mid|late"
    rf"|next|nächsten|kommenden)\s+(?:{_MONTH_ANY}){_E}",
    rf"{_B}(?:{_MONTH_ALONE}){_E}",
    rf"{_B}(?:the|den|dem|zum|am|on\s+the|by\s+the|bis\s+zum)\s+\d{{1,2}}(?:st|nd|rd|th|ten|ter|te|\.)"
    r"(?=\s*(?:$|[,;:!?)]|of\b))",
    # A trigger with a bare number at the very end ("by 3"), unless it is a range ("Seiten 2 bis 3")
    rf"(?<!\d )(?<!\d){_B}(?:by|bis|until|till|before|spätestens)\s+\d{{1,2}}(?=[\s.!?]*$)",
    # Weekday abbreviations, only with a preposition ("bis Mo", "on Fri") or a time ("Fri 2pm" is merged below)
    rf"{_B}(?:by|bis|until|till|before|vor|on|am|next|this|nächsten|diesen|kommenden|spätestens)\s+"
    rf"(?:{_WEEKDAY_SHORT})(?![\w])",
]
_ANCHOR = [re.compile(pattern, re.IGNORECASE) for pattern in _ANCHORS]
# Capitalised abbreviations anywhere ("Review it Wed", "Treffen Mo. 10 Uhr"); lower case they are words.
_ANCHOR.append(
    re.compile(rf"{_B}(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?{_E}|{_B}(?:Mo|Di|Mi|Do|Fr|Sa|So)\.")
)
_LANGUAGE_ANCHORS = {
    "en": [
        re.compile(rf"{_B}\d{{1,2}}(?:[:.]\d{{2}})?\s+am{_E}", re.IGNORECASE)
    ],  # "3 am" (German: "am Freitag")
    "de": [  # "15.01" without the dot, "bis 12.5"
        re.compile(rf"{_B}\d{{1,2}}\.(?:0[1-9]|1[0-2])(?![\d.])"),
        re.compile(rf"{_B}(?:bis|vor|am|zum)\s+\d{{1,2}}\.\d{{1,2}}(?![\d/.])", re.IGNORECASE),
    ],
}

_EXCLUSIONS = re.compile(
    rf"{_B}guten\s+morgen{_E}|{_B}(?:bis\s+(?:bald|später|dann)|(?:see|talk\s+to|speak\s+to)\s+you\s+soon"
    rf"|(?:talk|speak)\s+soon){_E}|{_B}(?:{_NOT_URGENT}){_E}"
    rf"|{_B}(?:last|previous|letzte[nrms]?|vergangene[nrms]?|vorige[nrms]?)\s+(?:\S+\s+)?"
    rf"(?:{_WEEKDAY_FULL}|week|month|year|woche|monat|jahr|{_MONTH_ANY})\w*"
    rf"|{_B}(?:\d+|{_NUMBER_WORD}|{_ONE_WORD})\s*(?:{_UNIT})\s+ago{_E}"
    rf"|{_B}vor\s+(?:\d+|{_NUMBER_WORD}|{_ONE_WORD})\s+(?:{_UNIT}){_E}"
    rf"|{_B}(?:seit|since)\s+(?:(?:dem|the|last|letztem)\s+)?\S+",
    re.IGNORECASE,
)
# A keyword one letter off right after a trigger word ("by Wednsday", "bis Frietag"): the parser forgives it.
_TRIGGER_THEN_WORD = re.compile(
    r"(?<![\w.])(?:by|bis|until|till|before|vor|on|am|within|innerhalb|binnen|in|spätestens)\s+(?P<word>[^\W\d_]{4,})",
    re.IGNORECASE,
)
# What may stand before a time: one trigger word, then small connecting words ("by the end of", "bis zum").
_LEFT = re.compile(
    rf"(?:(?<!\S)(?:{_TRIGGER})\s+)?(?:(?<!\S)(?:{_CONNECTOR}|{_WEEKDAY_SHORT})\s+)*$", re.IGNORECASE
)
_TRIGGER_START = re.compile(rf"(?:{_TRIGGER})\s", re.IGNORECASE)  # the anchor brought its own trigger word
_RIGHT = re.compile(r"^,?\s+(?:at\s+the\s+latest|(?:aller)?spätestens|latest)(?![\w])", re.IGNORECASE)
_GAP = re.compile(r"[\s,]*")
_URGENT_ONLY = re.compile(rf"(?:(?:by|bis)\s+)?(?:{_URGENT})", re.IGNORECASE)
_URGENT_SEARCH = re.compile(rf"{_B}(?:{_URGENT}){_E}", re.IGNORECASE)
_NOT_URGENT_SEARCH = re.compile(rf"{_B}(?:{_NOT_URGENT}){_E}", re.IGNORECASE)


def time_like_fragments(text: str, language: str = "en") -> tuple[str, ...]:
    """The fragments of ``text`` that look like a time or a date, as written, in order.

    Each fragment is the time expression with the trigger word or preposition in front of it
    ("by Friday", "innerhalb von 2 Stunden", "am 15.01."); adjacent pieces are one fragment
    ("tomorrow at 3pm"). ``language`` decides the German-only forms ("15.01" without its dot).
    """
    spans = _anchor_spans(text, language)
    urgency = [match.span() for match in _URGENT_SEARCH.finditer(text)]
    if not spans and not urgency:
        return ()
    excluded = [match.span() for match in _EXCLUSIONS.finditer(text)]
    spans = [span for span in spans if not any(start < span[1] and span[0] < end for start, end in excluded)]
    urgency = [
        span for span in urgency if not any(start < span[1] and span[0] < end for start, end in excluded)
    ]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        left = None if _TRIGGER_START.match(text, start) else _LEFT.search(text, max(0, start - 60), start)
        if left:
            start = left.start()
        right = _RIGHT.match(text, end)
        if right:
            end = right.end()
        if merged and start <= merged[-1][1] + len(_GAP.match(text, merged[-1][1]).group()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    # Urgency words stand on their own ("by Friday, asap" is a date and a plea for haste).
    merged += [[start, end] for start, end in urgency if not any(a <= start and end <= b for a, b in merged)]
    return tuple(text[start:end].strip().rstrip(",;:") for start, end in sorted(merged))


def _anchor_spans(text: str, language: str) -> list[tuple[int, int]]:
    patterns = _ANCHOR + _LANGUAGE_ANCHORS["de" if language.lower().startswith("de") else "en"]
    spans = [match.span() for pattern in patterns for match in pattern.finditer(text)]
    spans += [
        match.span()
        for match in _TRIGGER_THEN_WORD.finditer(text)
        if words.correct_typo(match["word"].lower()) is not None
    ]
    return spans


def is_urgency_fragment(fragment: str) -> bool:
    """True for fragments that are only an urgency word ("ASAP", "dringend", "bis asap")."""
    return bool(_URGENT_ONLY.fullmatch(fragment.strip(" !.,;:()[]*")))


def mentions_urgency(text: str) -> bool:
    """True when the text asks for haste (asap, urgent, dringend, sofort …) and does not deny it."""
    denied = [match.span() for match in _NOT_URGENT_SEARCH.finditer(text)]
    return any(
        not any(start < match.end() and match.start() < end for start, end in denied)
        for match in _URGENT_SEARCH.finditer(text)
    )
