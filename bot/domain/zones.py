"""Which country a time zone lies in — so a colleague in New York gets American public holidays by default.

The table comes from the IANA time zone database that ``zoneinfo`` itself reads: ``zone.tab`` (one
country per zone, also for zones that ``zone1970.tab`` merged, such as Europe/Oslo) and
``zone1970.tab`` (its first country) for anything missing, plus the links in ``tzdata.zi``
(``US/Eastern`` is America/New_York). It is looked for where ``zoneinfo`` looks: the system's
``zoneinfo.TZPATH`` (``/usr/share/zoneinfo`` on Linux), then the ``tzdata`` package — a dependency, so
a plain virtual environment (or Windows, or a slim container without system tzdata) has it too.

Pure domain code: reads package data once, no Slack, no database, no clock.
"""

from __future__ import annotations

import importlib.resources
import logging
import zoneinfo
from collections.abc import Iterable
from functools import cache
from pathlib import Path

__all__ = ["ZoneTable", "system_table", "tzdata_table", "zone_country"]

logger = logging.getLogger(__name__)


class ZoneTable:
    """Zone name -> ISO 3166 country code, read from the tz database's own files."""

    def __init__(self, zone_tab: str = "", zone1970_tab: str = "", tzdata_zi: str = "") -> None:
        self._countries: dict[str, str] = {}
        for line in _rows(zone1970_tab):  # first, so zone.tab's single country wins below
            codes, _coordinates, zone, *_comment = line
            self._countries[zone] = codes.split(",")[0]
        for line in _rows(zone_tab):
            code, _coordinates, zone, *_comment = line
            self._countries[zone] = code
        self._links: dict[str, str] = {}
        for raw in tzdata_zi.splitlines():
            parts = raw.split()
            if len(parts) == 3 and parts[0] == "L":  # "L America/New_York US/Eastern"
                self._links[parts[2]] = parts[1]

    def __bool__(self) -> bool:
        return bool(self._countries)

    def country(self, zone: str | None) -> str | None:
        """The country of ``zone`` ("America/New_York" -> "US"), None for UTC, Etc/… and unknown names."""
        if not zone:
            return None
        seen: set[str] = set()
        while zone not in self._countries and zone in self._links and zone not in seen:
            seen.add(zone)
            zone = self._links[zone]
        return self._countries.get(zone)


def _rows(text: str) -> Iterable[list[str]]:
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                yield fields


def _read(directory: Path, name: str) -> str:
    try:
        return (directory / name).read_text(encoding="utf-8")
    except OSError:
        return ""


def system_table(paths: Iterable[str] | None = None) -> ZoneTable:
    """The table from the first directory of ``paths`` (default ``zoneinfo.TZPATH``) that has one."""
    for path in zoneinfo.TZPATH if paths is None else paths:
        directory = Path(path)
        table = ZoneTable(
            _read(directory, "zone.tab"), _read(directory, "zone1970.tab"), _read(directory, "tzdata.zi")
        )
        if table:
            return table
    return ZoneTable()


def tzdata_table() -> ZoneTable:
    """The table from the ``tzdata`` package (what ``zoneinfo`` falls back to without system data)."""
    try:
        files = importlib.resources.files("tzdata").joinpath("zoneinfo")
        return ZoneTable(
            *(
                files.joinpath(name).read_text(encoding="utf-8")
                for name in ("zone.tab", "zone1970.tab", "tzdata.zi")
            )
        )
    except (ModuleNotFoundError, OSError):
        return ZoneTable()


@cache
def _table() -> ZoneTable:
    table = system_table() or tzdata_table()
    if not table:
        logger.warning(
            "no zone.tab found (neither system tzdata nor the tzdata package): zones have no country"
        )
    return table


def zone_country(zone: str | None) -> str | None:
    """The ISO country code of a time zone name, e.g. "Asia/Tokyo" -> "JP"; None when not known."""
    return _table().country(zone)
