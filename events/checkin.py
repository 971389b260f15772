"""Checking people in at the door.

The door list is the yes RSVPs. Each confirmation email carries a QR code of a
check-in address that is signed, so it names exactly one RSVP and cannot be
guessed or altered; it opens a page for organisers, never a change by itself.
"""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from events.models import RSVP, Event

SALT = "events.check-in"

audit.log.describe("rsvp.checked_in", gettext_lazy("Checked someone in at an event's door"))
audit.log.describe("rsvp.check_in_undone", gettext_lazy("Took back a check-in at an event's door"))


class CheckInRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DoorCounts:
    parties: int
    parties_arrived: int
    expected: int  # people, guests included
    arrived: int


def door_code(rsvp: RSVP) -> str:
    return signing.Signer(salt=SALT).sign(str(rsvp.pk))


def door_path(rsvp: RSVP) -> str:
    return reverse("events:check-in-code", args=[door_code(rsvp)])


def rsvp_for_code(code: str) -> RSVP | None:
    try:
        rsvp_id = int(signing.Signer(salt=SALT).unsign(code))
    except (signing.BadSignature, ValueError):
        return None
    return RSVP.objects.select_related("event").filter(pk=rsvp_id).first()


def door_list(event: Event, *, search: str = ""):
    """Yes RSVPs, by name, narrowed by a search on name or email. One query however long."""
    rsvps = event.rsvps.attending().order_by(models.functions.Lower("name"), "email")
    for word in search.split():
        rsvps = rsvps.filter(Q(name__icontains=word) | Q(email__icontains=word))
    return rsvps


def door_counts(event: Event) -> DoorCounts:
    people = models.F("guests") + 1
    arrived = Q(checked_in_at__isnull=False)
    totals = event.rsvps.attending().aggregate(
        parties=models.Count("pk"),
        parties_arrived=models.Count("pk", filter=arrived),
        expected=models.Sum(people),
        arrived=models.Sum(people, filter=arrived),
    )
    return DoorCounts(**{key: value or 0 for key, value in totals.items()})


def check_in(*, event: Event, rsvp_id: int, by, now: datetime.datetime | None = None) -> RSVP:
    """Mark a yes RSVP (and the guests with them) arrived. Pressing twice keeps the first
    time, and writes no second audit entry."""
    with transaction.atomic():
        rsvp = _locked(event, rsvp_id)
        if not rsvp.is_yes:
            raise CheckInRefused(
                _("%(name)s has not said yes (%(status)s).")
                % {"name": rsvp.display_name, "status": rsvp.get_status_display()}
            )
        if rsvp.checked_in_at is None:
            rsvp.checked_in_at = now or timezone.now()
            rsvp.save(update_fields=["checked_in_at"])
            audit.log.record(by, "rsvp.checked_in", rsvp, changes={"checked_in_at": [None, rsvp.checked_in_at]})
    return rsvp


def undo_check_in(*, event: Event, rsvp_id: int, by) -> RSVP:
    """Take back an arrival pressed by mistake."""
    with transaction.atomic():
        rsvp = _locked(event, rsvp_id)
        if rsvp.checked_in_at is not None:
            arrived, rsvp.checked_in_at = rsvp.checked_in_at, None
            rsvp.save(update_fields=["checked_in_at"])
            audit.log.record(by, "rsvp.check_in_undone", rsvp, changes={"checked_in_at": [arrived, None]})
    return rsvp


def _locked(event: Event, rsvp_id: int) -> RSVP:
    rsvp = event.rsvps.select_for_update().filter(pk=rsvp_id).first()
    if rsvp is None:
        raise CheckInRefused(_("That person is not on this event's list."))
    rsvp.event = event  # its audit label names the event
    return rsvp
