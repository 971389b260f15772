"""Congress tickets: what a seat costs and for whom, the orders that buy them with their
named attendees, and the discount codes that lower a price.

Seats are still counted on the event row (`Event.seats_taken`, confirmed seats); an
order being paid for holds its seats until `held_until`, so seats left are capacity
minus confirmed minus held, counted under the event's row lock (events/ticket_holds.py).
"""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import RSVP, Event
from members.models import Plan, default_currency
from members.second_language import in_reader_language


def order_token() -> str:
    """The key of an order's capability link: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


class TicketType(models.Model):
    """One kind of ticket to one event: its price and who may buy it."""

    class Audience(models.TextChoices):
        ANYONE = "anyone", _("Anyone")
        GOOD_STANDING = "good_standing", _("Members in good standing")
        PLANS = "plans", _("Members in good standing on chosen plans")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(_("name"), max_length=120)
    # In the event's second language (events/event_languages.py), for the people who read it.
    name_second = models.CharField(_("name in the event's second language"), max_length=120, blank=True)
    price_cents = models.PositiveIntegerField(_("price in cents"), default=0)
    currency = models.CharField(max_length=3, default=default_currency)
    audience = models.CharField(_("who may buy it"), max_length=20, choices=Audience.choices, default=Audience.ANYONE)
    plans = models.ManyToManyField(Plan, blank=True, related_name="ticket_types", verbose_name=_("plans"))
    quantity = models.PositiveIntegerField(
        _("how many exist"), null=True, blank=True, help_text=_("Blank: as many as the event has seats.")
    )
    sale_starts_at = models.DateTimeField(_("on sale from"), null=True, blank=True)
    sale_ends_at = models.DateTimeField(_("on sale until"), null=True, blank=True)
    max_per_order = models.PositiveSmallIntegerField(_("most per order"), default=10)
    hidden = models.BooleanField(_("hidden unless a code unlocks it"), default=False)
    unlock_code = models.CharField(_("code that unlocks it"), max_length=40, blank=True)
    display_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    audit_field_names = {"price_cents": _("price")}  # the log shows money, not cents

    class Meta:
        ordering = ["display_order", "price_cents", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_per_order__gte=1), name="ticket_type_sells_at_least_one"),
            models.CheckConstraint(
                condition=Q(hidden=False) | ~Q(unlock_code=""), name="hidden_ticket_type_has_a_code"
            ),
        ]

    def __str__(self):
        return self.name

    def audit_label(self) -> str:
        return _("Ticket type %(name)s of %(event)s") % {"name": self.name, "event": self.event.title}

    @property
    def shown_name(self) -> str:
        return in_reader_language(self.name, self.name_second, self.event.second_language)

    @property
    def is_free(self) -> bool:
        return self.price_cents == 0

    @property
    def for_members(self) -> bool:
        return self.audience != self.Audience.ANYONE

    def on_sale(self, now: datetime.datetime) -> bool:
        if self.sale_starts_at and now < self.sale_starts_at:
            return False
        return not (self.sale_ends_at and now >= self.sale_ends_at)

    def unlocked_by(self, code: str) -> bool:
        if not self.hidden:
            return True
        typed = code.strip().encode()
        return bool(typed) and secrets.compare_digest(typed, self.unlock_code.encode())


class DiscountCode(models.Model):
    """An amount or a percentage off chosen ticket types, used at most `max_uses` times."""

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("An amount off each ticket (cents)")
        PERCENT = "percent", _("A percentage off each ticket")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="discount_codes")
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    value = models.PositiveIntegerField(_("value"), help_text=_("Cents off, or a percentage from 1 to 100."))
    ticket_types = models.ManyToManyField(TicketType, related_name="discount_codes", verbose_name=_("ticket types"))
    max_uses = models.PositiveIntegerField(_("most uses"), null=True, blank=True, help_text=_("Blank: no limit."))
    # Orders holding or paid with the code, moved under the event's row lock with the seats.
    uses = models.PositiveIntegerField(default=0, editable=False)
    last_day = models.DateField(_("last day"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="one_discount_code_per_event_and_code"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100), name="discount_at_most_100_percent"
            ),
        ]

    def __str__(self):
        return self.code

    def audit_label(self) -> str:
        return _("Discount code %(code)s of %(event)s") % {"code": self.code, "event": self.event.title}

    def off(self, price_cents: int) -> int:
        """Cents this code takes off one ticket of `price_cents`."""
        if self.kind == self.Kind.PERCENT:
            return price_cents * self.value // 100
        return min(self.value, price_cents)

    def usable_on(self, day: datetime.date) -> bool:
        if self.last_day and day > self.last_day:
            return False
        return self.max_uses is None or self.uses < self.max_uses


class OrderQuerySet(models.QuerySet):
    def holding(self, *, now: datetime.datetime):
        return self.filter(status=Order.Status.HELD, held_until__gt=now)


class Order(models.Model):
    """One buyer's purchase of tickets for named attendees; its token is the buyer's key to it."""

    audit_personal_fields = ("buyer_name", "buyer_email")

    class Status(models.TextChoices):
        HELD = "held", _("Seats held while paying")
        RESERVED = "reserved", _("Reserved: waiting for a bank transfer")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired unpaid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="orders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="ticket_orders"
    )
    buyer_name = models.CharField(max_length=200)
    buyer_email = models.EmailField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.HELD, db_index=True)
    total_cents = models.PositiveIntegerField(default=0)
    discount_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default=default_currency)
    discount_code = models.ForeignKey(DiscountCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    held_until = models.DateTimeField(null=True, blank=True)
    # The dues part of a join-or-renew-and-register checkout: the plan and amount, in cents.
    dues_plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    dues_cents = models.PositiveIntegerField(default=0)
    token = models.CharField(max_length=64, unique=True, default=order_token, editable=False)
    stripe_checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    # Pay later: the reference the buyer quotes on their bank transfer (events/ticket_pay_later.py).
    bank_reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Money owed back (a late payment for a full event, say): asked of Stripe by a worker after
    # the webhook's transaction commits, and asked again by the sweep until `refunded_at` is set.
    refund_cents = models.PositiveIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["event", "status", "held_until"])]

    def __str__(self):
        return f"Order {self.pk} for {self.event_id}: {self.status}"

    def get_absolute_url(self):
        return reverse("events:order", args=[self.pk])

    def audit_label(self) -> str:
        return _("Order %(number)s for %(event)s") % {"number": self.pk, "event": self.event.title}

    @property
    def capability_url(self) -> str:
        return reverse("events:order-link", args=[self.token])

    @property
    def charged_cents(self) -> int:
        """What the buyer pays in one checkout: tickets after discount, and any dues."""
        return self.total_cents + self.dues_cents

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def is_paid(self) -> bool:
        return self.status == self.Status.PAID

    @property
    def is_reserved(self) -> bool:
        return self.status == self.Status.RESERVED

    @property
    def refundable_by_card(self) -> bool:
        """Whether a refund can go back through Stripe: paid by card (or nothing to pay). A bank
        transfer is returned by the treasurer, not by the attendee's cancelling."""
        return bool(self.stripe_payment_intent_id) or self.charged_cents == 0

    def holds_seats(self, now: datetime.datetime) -> bool:
        return self.is_held and self.held_until is not None and self.held_until > now


class OrderLine(models.Model):
    """One ticket of an order, for one named attendee; their RSVP once paid."""

    audit_personal_fields = ("attendee_name", "attendee_email")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="lines")
    price_cents = models.PositiveIntegerField()
    discount_cents = models.PositiveIntegerField(default=0)
    attendee_name = models.CharField(max_length=200)
    attendee_email = models.EmailField()
    rsvp = models.ForeignKey(RSVP, on_delete=models.SET_NULL, null=True, blank=True, related_name="ticket_lines")
    # The attendee's answers to the event's questions ({question id: value}) while the order
    # waits for its payment; saved on their RSVP once it is paid.
    answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.ticket_type} for {self.attendee_name}"

    @property
    def paid_cents(self) -> int:
        return self.price_cents - self.discount_cents


def held_seats(event_id: int, *, now: datetime.datetime | None = None) -> int:
    """Seats held by orders being paid for, by card or (reserved) by bank transfer (their lines), at `now`."""
    now = now or timezone.now()
    return OrderLine.objects.filter(
        order__event_id=event_id, order__status__in=SEAT_HOLDING, order__held_until__gt=now
    ).count()


# The states in which an order's seats are held until `held_until`: paying by card, or reserved.
SEAT_HOLDING = (Order.Status.HELD, Order.Status.RESERVED)
