"""The one translation function, plus locale-aware formatting of dates and durations.

Message ids are English. German lives in ``bot/locale/de/LC_MESSAGES/messages.po``; the catalogue is
compiled in memory when first used, so a fresh ``pip install`` never lacks a ``.mo`` file and fuzzy
entries are never shown. Strings are marked with ``tr._("…")`` / ``tr.n_("…", "…", n)`` (``N_`` for
module-level constants) and formatted with ``str.format`` keywords *after* translation.

Extract / update:  pybabel extract -F babel.cfg -k _ -k n_:1,2 -k N_ -o bot/locale/messages.pot .
                   pybabel update -i bot/locale/messages.pot -d bot/locale
"""

from __future__ import annotations

import gettext
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def language_for(locale: str | None, override: str | None = None, default: str = DEFAULT_LANGUAGE) -> str:
    """``de-*`` Slack locales read German, everything else English; an explicit choice wins."""
    if override in LANGUAGES:
        return override  # type: ignore[return-value]
    if locale:
        return "de" if locale.lower().startswith("de") else "en"
    return default if default in LANGUAGES else DEFAULT_LANGUAGE


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


class Translator:
    """Everything a message needs to speak one person's language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.locale = Locale.parse(self.language)
        self._translations = _catalog(self.language)

    def _(self, message: str, **params: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**params) if params else text

    def n_(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    def datetime(self, moment: datetime, tz: str | ZoneInfo) -> str:
        """``Fri, Dec 4, 2:00 PM`` / ``Fr., 4. Dez., 14:00`` in the reader's time zone."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        day = dates.format_skeleton("MMMEd", moment, tzinfo=zone, locale=self.locale)
        clock = dates.format_time(moment, "short", tzinfo=zone, locale=self.locale)
        return f"{day}, {clock}"

    def time(self, moment: datetime, tz: str | ZoneInfo) -> str:
        """``11:00 AM`` / ``11:00`` in the given zone."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        return dates.format_time(moment, "short", tzinfo=zone, locale=self.locale)

    def day(self, day: date) -> str:
        """A calendar day: ``Fri, Dec 4`` / ``Fr., 4. Dez.``."""
        return dates.format_skeleton("MMMEd", datetime.combine(day, dt_time(12, 0)), locale=self.locale)

    def date(self, moment: datetime, tz: str | ZoneInfo) -> str:
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        return dates.format_skeleton("MMMEd", moment, tzinfo=zone, locale=self.locale)

    def relative(self, delta: timedelta) -> str:
        """``in 2 hours`` / ``vor 3 Tagen``."""
        return dates.format_timedelta(delta, add_direction=True, locale=self.locale, threshold=2)

    def duration(self, delta: timedelta) -> str:
        """``4 hours`` / ``4 Stunden`` (no direction)."""
        return dates.format_timedelta(delta, locale=self.locale, threshold=1.1)


@cache
def translator(language: str) -> Translator:
    return Translator(language)
