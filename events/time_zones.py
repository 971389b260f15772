"""The time zones an organiser may choose for an event: the current IANA names only.

`zoneinfo.available_timezones()` holds 599 names, among them the old spellings kept
for compatibility (US/Pacific, Asia/Calcutta, GB, Etc/GMT+5...). The list offered is
the zones of tzdata's own tables instead: zone1970.tab (one per region whose clocks
differ since 1970) and zone.tab (at least one per country, so that Amsterdam or Oslo
can be found by name), with UTC. An old name someone types is answered with the
current one, from tzdata's links.

Each zone is offered by its city and country in the reader's language (CLDR's names,
through Babel): 'Nueva York (Estados Unidos)' to a reader of Spanish, the IANA name
being the value searched and saved.
"""

import zoneinfo
from functools import cache
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel.dates import get_timezone_location
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

TABLES = ("zone1970.tab", "zone.tab")


def _rows(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def _table(name: str) -> list[str]:
    return [row[2] for row in _rows(name)]


@cache
def _countries() -> dict[str, str]:
    """Zone -> the code of its country: zone.tab's (one a zone), else the first of zone1970.tab's."""
    found = {row[2]: row[0].split(",")[0] for row in _rows("zone1970.tab")}
    found.update({row[2]: row[0] for row in _rows("zone.tab")})
    return found


@cache
def current_zones() -> tuple[str, ...]:
    """Every current zone name, sorted; each one zoneinfo can load."""
    names = {"UTC", *(zone for table in TABLES for zone in _table(table))}
    return tuple(sorted(names & zoneinfo.available_timezones()))


@cache
def _links() -> dict[str, str]:
    """Old name -> the zone it now stands for (tzdata.zi's "L target alias" lines)."""
    text = resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text(encoding="utf-8")
    pairs = (line.split()[1:3] for line in text.splitlines() if line.startswith("L "))
    return {alias: target for target, alias in pairs}


def choices(*, first: str = "") -> list[str]:
    """The zones to offer, the society's own (or `first`) at the top."""
    first = first or settings.TIME_ZONE
    return [first, *(zone for zone in current_zones() if zone != first)]


def label(zone: str) -> str:
    """'America/New_York' as 'New York (United States)', or 'Nueva York (Estados Unidos)'
    to a reader of Spanish: the city and country in the active language, to search by."""
    return _labels(translation.get_language() or settings.LANGUAGE_CODE).get(zone) or _city(zone, "en")


@cache
def _labels(language: str) -> dict[str, str]:
    """Every current zone's label in one language (worked out once: Babel reads CLDR)."""
    try:
        locale = Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    countries, territories = _countries(), locale.territories
    labels = {}
    for zone in current_zones():
        city, country = _city(zone, locale), territories.get(countries.get(zone, ""))
        labels[zone] = f"{city} ({country})" if country and country != city else city
    return labels


def _city(zone: str, locale) -> str:
    if "/" not in zone:
        return zone  # UTC
    # A zone CLDR names no city for comes back as its IANA path ('Argentina/Buenos Aires').
    return get_timezone_location(zone, locale, return_city=True).rsplit("/", 1)[-1]


def canonical(typed: str, *, keep: str = "") -> str:
    """The zone name for what an organiser typed (case and spaces forgiven), or a
    ValidationError that says what to write. `keep`: a zone the event already has,
    accepted as it is even if it is an old name."""
    text = typed.strip().replace(" ", "_")
    if keep and text == keep:
        return keep
    by_lower = {zone.lower(): zone for zone in current_zones()}
    if text.lower() in by_lower:
        return by_lower[text.lower()]
    aliases = {alias.lower(): target for alias, target in _links().items()}
    if text.lower() in aliases and aliases[text.lower()] in current_zones():
        raise ValidationError(
            _("%(typed)s is an old name for a time zone: choose %(zone)s.")
            % {"typed": typed.strip(), "zone": aliases[text.lower()]}
        )
    raise ValidationError(
        _("Choose a time zone from the list, such as %(example)s or Europe/Paris.") % {"example": settings.TIME_ZONE}
    )
