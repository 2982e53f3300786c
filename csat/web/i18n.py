"""Translations of csat's pages (gettext domain ``csat``) and locale choice.

The catalogs live in ``csat/translations/<locale>/LC_MESSAGES/csat.po`` and
are compiled to ``.mo`` with Babel's tooling (``make translations``); both are
shipped in the wheel. They form their own Flask-Babel :class:`Domain`, so a
host's own catalogs and locale selector are left alone: csat's pages pick
their locale themselves, with :func:`flask_babel.force_locale`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import request
from flask_babel import Domain, get_locale

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: Locales the pages are translated to (English is the source language).
LOCALES = ("en", "de")

domain = Domain(translation_directories=[str(TRANSLATIONS)], domain="csat")


def gettext(string: str, **variables: Any) -> str:
    """``string`` translated to the current locale (``%(name)s`` filled in)."""
    return str(domain.gettext(string, **variables))


def lazy_gettext(string: str, **variables: Any) -> Any:
    """``string``, translated when it is shown: for texts fixed when a module is
    loaded (form labels and messages), shown in the locale of each page."""
    return domain.lazy_gettext(string, **variables)


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural form for ``num``, translated."""
    return str(domain.ngettext(singular, plural, num, **variables))


def choose_locale(preferred: str | None, available: tuple[str, ...], default: str) -> str:
    """The page locale: the invitation's, else the browser's (Accept-Language).

    ``available`` limits the choice (e.g. the survey's locales); ``default``
    is used when nothing matches.
    """
    usable = tuple(loc for loc in available if loc.split("_")[0] in LOCALES) or LOCALES
    if preferred:
        for candidate in (preferred, preferred.replace("-", "_").split("_")[0]):
            if candidate in usable:
                return candidate
    best = request.accept_languages.best_match(usable)
    if best:
        return best
    return default if default in usable else usable[0]


def format_when(moment: datetime, zone: ZoneInfo, date_format: str = "long") -> str:
    """A date and time as people write it in the page's locale, in ``zone``, named.

    The zone's short name where the locale has one (CET, MEZ, UTC), else its
    long name (an offset such as +0100 would not say which zone it is).
    ``date_format`` is Babel's: ``"long"`` on the customer's pages, ``"medium"``
    in the console's tables.
    """
    locale = get_locale() or "en"
    local = moment.astimezone(zone)
    name = format_time(local, "z", tzinfo=zone, locale=locale)
    if name[:1] in "+-" or name.startswith("GMT"):
        name = format_time(local, "zzzz", tzinfo=zone, locale=locale)
    day = format_date(local, date_format, locale=locale)
    return f"{day}, {format_time(local, 'short', tzinfo=zone, locale=locale)} {name}"
