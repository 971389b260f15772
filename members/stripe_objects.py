"""Reading the objects Stripe sends: its timestamps, and ids that may come expanded."""

import datetime

from django.utils import timezone


def when(timestamp: int | None) -> datetime.datetime | None:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC) if timestamp else None


def local_day(timestamp: int) -> datetime.date:
    """The day, in the society's time zone, on which a Stripe timestamp falls."""
    return timezone.localdate(when(timestamp))


def object_id(value) -> str:
    """Stripe sends either an id or, when expanded, the object with its id."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""
