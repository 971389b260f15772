"""The time zones an organiser may choose for an event: the current IANA names only.

`zoneinfo.available_timezones()` holds 599 names, among them the old spellings kept
for compatibility (US/Pacific, Asia/Calcutta, GB, Etc/GMT+5...). The list offered is
the zones of tzdata's own tables instead: zone1970.tab (one per region whose clocks
differ since 1970) and zone.tab (at least one per country, so that Amsterdam or Oslo
can be found by name), with UTC. An old name someone types is answered with the
current one, from tzdata's links.
"""

import zoneinfo
from functools import cache
from importlib import resources

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TABLES = ("zone1970.tab", "zone.tab")


def _table(name: str) -> list[str]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t")[2] for line in text.splitlines() if line and not line.startswith("#")]


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
    """'America/Argentina/Buenos_Aires' as 'Buenos Aires (America, Argentina)', to search by city."""
    *region, city = zone.split("/")
    city = city.replace("_", " ")
    return f"{city} ({', '.join(part.replace('_', ' ') for part in region)})" if region else city


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
