"""An event's own history, as its organisers read it on the event's page: the latest
audit entries about it, newest first, each change put in a few words."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import audit.log
from events.models import Event

SHOWN = 10
LONGEST_VALUE = 60
# What an organiser looks for first: seats, then when and where.
FIRST = ("capacity", "seats_taken", "status", "starts_at", "ends_at")
# Entries whose changes are the facts of something new, [None, value] each.
FACTS_ONLY = {"event.created", "event.duplicated", "event.invited", "event.answers_exported"}
TIMES = {"starts_at", "ends_at", "published_at", "rsvp_opens_at", "rsvp_closes_at", "checked_in_at"}
NAMES = {
    "seats_taken": _("Seats taken"),
    "door_helpers": _("Door helpers"),
    "organisers": _("Organisers"),
    "copied_from": _("Copied from event"),
    "invitation": _("Invitation"),
    "addresses": _("Addresses"),
    "past_event": _("Attendees of event"),
    "rows": _("Rows"),
}


@dataclass(frozen=True)
class Line:
    at: datetime.datetime
    by: str
    what: str
    changes: list[str]
    reason: str


def recent(event: Event, *, limit: int = SHOWN) -> list[Line]:
    """The latest entries about the event. One query, however many there are."""
    entries = audit.log.history(event)[:limit]
    return [
        Line(
            at=entry.at,
            by=entry.by_label or "Societas",
            what=audit.log.label_of(entry.action),
            changes=summary(entry.changes, event, arrows=entry.action not in FACTS_ONLY),
            reason=entry.reason,
        )
        for entry in entries
    ]


def summary(changes: dict, event: Event, *, arrows: bool = True) -> list[str]:
    """'Capacity: 60 → 80' for each field, the seats first; only the new value where
    the entry records facts of something new (an event created, an invitation)."""
    order = sorted(changes, key=lambda name: (FIRST.index(name) if name in FIRST else len(FIRST), name))
    return [_one(name, changes[name], event, arrows=arrows) for name in order]


def _one(name: str, pair, event: Event, *, arrows: bool) -> str:
    old, new = pair
    label = _label(name)
    if not arrows:
        return f"{label}: {_value(name, new, event)}"
    return f"{label}: {_value(name, old, event)} → {_value(name, new, event)}"


def _label(name: str) -> str:
    if name in NAMES:
        return str(NAMES[name])
    try:
        verbose = str(Event._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        verbose = name.replace("_", " ")
    return verbose[:1].upper() + verbose[1:]


def _choice_label(name: str, value) -> str | None:
    """A stored code as the words the form shows for it ('congress' as 'Congress'), up to
    any explanation after a colon ('Public: anyone may answer' as 'Public')."""
    try:
        choices = Event._meta.get_field(name).flatchoices
    except FieldDoesNotExist:
        return None
    return next((str(label).split(":", 1)[0] for code, label in choices if code == value), None)


def _value(name: str, value, event: Event) -> str:
    if name == "capacity" and value is None:
        return gettext("no limit")
    if value is None or value == "":
        return gettext("none")
    if isinstance(value, str) and (label := _choice_label(name, value)) is not None:
        return label
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return str(len(value))  # people, counted: the page names no one by key
    if name in TIMES and isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        local = moment.astimezone(event.zone)
        return f"{local.day} {local:%b %Y %H:%M}"
    text = str(value)
    return text if len(text) <= LONGEST_VALUE else f"{text[: LONGEST_VALUE - 1]}…"
