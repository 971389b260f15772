"""Cancelling tickets with a refund: each event's refund policy (a deadline and a cancellation
fee), and each refund owed on an order, with the state that makes asking Stripe happen once.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Event
from events.ticket_records import Order, OrderLine


class RefundPolicy(models.Model):
    """Until when an attendee may cancel and be refunded, and what is kept when they do."""

    class FeeKind(models.TextChoices):
        AMOUNT = "amount", _("An amount per ticket (cents)")
        PERCENT = "percent", _("A percentage of what was paid")

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="refund_policy")
    # Empty: attendees may not cancel for a refund themselves.
    deadline = models.DateTimeField(_("refund deadline"), null=True, blank=True)
    fee_kind = models.CharField(_("cancellation fee"), max_length=10, choices=FeeKind.choices, default=FeeKind.AMOUNT)
    fee_value = models.PositiveIntegerField(_("fee"), default=0, help_text=_("Cents per ticket, or a percentage."))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(fee_kind="percent") | Q(fee_value__lte=100), name="refund_fee_at_most_100_percent"
            )
        ]

    def __str__(self):
        return f"Refund policy of {self.event_id}"

    def audit_label(self) -> str:
        return _("Refund policy of %(event)s") % {"event": self.event.title}

    def allows(self, now: datetime.datetime) -> bool:
        return self.deadline is not None and now < self.deadline

    def fee(self, paid_cents: int, tickets: int) -> int:
        """What is kept of `paid_cents` for `tickets` cancelled: never more than was paid."""
        kept = paid_cents * self.fee_value // 100 if self.fee_kind == self.FeeKind.PERCENT else self.fee_value * tickets
        return min(kept, paid_cents)


class TicketRefund(models.Model):
    """Money owed back on a paid order: asked of Stripe by a worker (idempotency key per row),
    done once `refunded_at` is set. Its lines are the tickets it cancelled."""

    class Reason(models.TextChoices):
        ATTENDEE = "attendee", _("Cancelled by the attendee")
        EVENT = "event", _("The event was cancelled")
        TREASURER = "treasurer", _("Refunded by the treasurer")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    lines = models.ManyToManyField(OrderLine, related_name="refunds")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    amount_cents = models.PositiveIntegerField()
    fee_cents = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # An event's cancellation refunds an order once, however often its task runs.
            models.UniqueConstraint(fields=["order"], condition=Q(reason="event"), name="one_event_refund_per_order")
        ]

    def __str__(self):
        return f"Refund {self.pk} of order {self.order_id}: {self.amount_cents}"

    def audit_label(self) -> str:
        return _("Refund %(number)s of order %(order)s") % {"number": self.pk, "order": self.order_id}

    @property
    def stripe_key(self) -> str:
        return f"ticket-cancel-refund-{self.pk}"
