"""The waitlist of a sold-out paid event: who is waiting for a seat, in line, and the offer
each is made when a seat is freed (a held order they pay through its capability link).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Event
from events.ticket_records import Order, TicketType


def offer_length() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.TICKET_OFFER_HOURS)


class WaitlistEntry(models.Model):
    """One person waiting for a seat at a paid event (for a ticket type, or any they may buy)."""

    audit_personal_fields = ("name", "email")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a seat")
        BOUGHT = "bought", _("Bought the ticket")
        LAPSED = "lapsed", _("Offer not taken up")
        LEFT = "left", _("Left the waitlist")

    OPEN = (Status.WAITING, Status.OFFERED)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_waitlist")
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.CASCADE, null=True, blank=True, related_name="waitlist"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    # The offer: a held order for one seat, paid through its own link; set once, never reused.
    offer = models.OneToOneField(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_entry")
    offered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=Q(status__in=["waiting", "offered"]),
                name="one_open_waitlist_entry_per_event_and_email",
            )
        ]

    def __str__(self):
        return f"Waitlist {self.event_id}: {self.email} ({self.status})"

    def audit_label(self) -> str:
        return _("Waitlist entry %(number)s for %(event)s") % {"number": self.pk, "event": self.event.title}


def waiting_claims(event_id: int, *, taken) -> int:
    """Seats the waitlist has first claim on: one for each person waiting who could be offered
    one (any ticket, or a type with some left), so a seat freed between two offer passes goes to
    the first in line, not to whoever asks first. `taken`: tickets of each type paid or held."""
    waiting = WaitlistEntry.objects.filter(event_id=event_id, status=WaitlistEntry.Status.WAITING)
    claims = 0
    for entry in waiting.select_related("ticket_type"):
        wanted = entry.ticket_type
        claims += wanted is None or wanted.quantity is None or taken[wanted.pk] < wanted.quantity
    return claims
