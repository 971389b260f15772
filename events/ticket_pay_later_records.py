"""Whether an event's tickets may be paid later by bank transfer, and for how many days
an order stays reserved while the transfer is on its way."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.models import Event

MOST_DAYS = 60


class PayLaterTerms(models.Model):
    """The organiser's choice for one event, set on its ticket page; no row means not allowed."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, primary_key=True, related_name="pay_later")
    allowed = models.BooleanField(_("buyers may pay later by bank transfer"), default=False)
    days = models.PositiveSmallIntegerField(
        _("days an order stays reserved"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(MOST_DAYS)],
        help_text=_("Unpaid after this many days, the reservation ends and its seats are freed."),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(days__gte=1, days__lte=MOST_DAYS), name="pay_later_days_in_range")
        ]

    def __str__(self):
        return f"Pay later for {self.event_id}: {self.allowed}, {self.days} days"

    def audit_label(self) -> str:
        return _("Pay later terms of %(event)s") % {"event": self.event.title}


def terms_for(event: Event) -> PayLaterTerms | None:
    """The event's pay-later terms when buyers may use them, else None."""
    return PayLaterTerms.objects.filter(event=event, allowed=True).first()
