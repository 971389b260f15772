"""The records kept around payments: number counters, Stripe events seen, checkouts
started, failed charges, promises to pay and the treasurer's notes.

Imported by `members.models`, so Django sees these models as part of the app.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """A sequence that only grows: member numbers, receipt numbers per year.

    Read and bumped under a row lock, so two payments never get one number and a
    number, once given, is never given again (even if its member is deleted).
    """

    name = models.CharField(max_length=50, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} = {self.value}"


class StripeEvent(models.Model):
    """A Stripe webhook event, recorded (with its body) when it arrives and applied by a
    worker. The unique id makes a repeat a no-op."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField(help_text=_("When Stripe created the event."))
    livemode = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    # An event that refers to something not recorded yet (or whose handling failed) is
    # tried again after a growing delay; the error says why it waits.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(processed_at=None), name="stripe_event_waiting_idx")
        ]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class Checkout(models.Model):
    """A payment a member started: a Stripe Checkout Session, or the local test checkout.

    `public_id` is the unguessable key of the "payment is being confirmed" page.
    """

    class Purpose(models.TextChoices):
        JOIN = "join", _("Joining")
        RENEWAL = "renewal", _("Renewal")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="checkouts")
    plan = models.ForeignKey("members.Plan", on_delete=models.PROTECT, related_name="+")
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    auto_renew = models.BooleanField(default=False)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.JOIN)
    is_local_test = models.BooleanField(default=False)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_invoice_id = models.CharField(max_length=255, blank=True)
    payment = models.OneToOneField(
        to="members.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="checkout"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # A page of this site to go back to once paid (the members-only event that sent a
    # lapsed member to renew); checked as same-site when stored and when shown.
    return_path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_purpose_display()} checkout for {self.member}"

    @property
    def mode(self) -> str:
        return "subscription" if self.auto_renew else "payment"


class FailedPayment(models.Model):
    """An auto-renew charge Stripe could not take: in the treasurer's queue until resolved."""

    class Resolution(models.TextChoices):
        PAID = "paid", _("Paid later")
        RESOLVED = "resolved", _("Resolved by the treasurer")

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="failed_payments")
    stripe_invoice_id = models.CharField(max_length=255, unique=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    attempt_count = models.PositiveSmallIntegerField(default=1)
    failure_message = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-last_failed_at"]

    def __str__(self):
        return f"Failed charge {self.stripe_invoice_id} for {self.member}"

    def audit_label(self) -> str:
        return _("Failed charge %(invoice)s") % {"invoice": self.stripe_invoice_id}

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class PaymentPromise(models.Model):
    """'I will pay by cheque / bank transfer / cash': the treasurer sees it until the money comes."""

    class Method(models.TextChoices):
        CHEQUE = "cheque", _("Cheque")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for payment")
        FULFILLED = "fulfilled", _("Paid")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="promises")
    plan = models.ForeignKey("members.Plan", on_delete=models.PROTECT, related_name="+")
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payment = models.ForeignKey(
        "members.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="promises"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open promise per member: promising twice updates nothing and is harmless.
            models.UniqueConstraint(fields=["member"], condition=models.Q(status="open"), name="one_open_promise")
        ]

    def __str__(self):
        return f"{self.member} will pay by {self.get_method_display().lower()}"

    def audit_label(self) -> str:
        method = str(self.get_method_display()).lower()
        return _("Promise to pay by %(method)s (%(member)s)") % {"method": method, "member": self.member.audit_label()}


class MemberNote(models.Model):
    """What a treasurer wrote down about a member."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Note on {self.member} by {self.author}"


class UnappliedMoney(models.Model):
    """Money Stripe says we received that did not match what was asked: the treasurer's
    review queue. Nothing is granted until a treasurer applies it, or it is refunded."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the treasurer")
        APPLIED = "applied", _("Applied")
        REFUNDED = "refunded", _("Refunded")

    # The Checkout Session or invoice the money came with: unique, so a repeated
    # event never queues the same money twice.
    stripe_object_id = models.CharField(max_length=255, unique=True)
    stripe_event_type = models.CharField(max_length=100)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    member = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="unapplied_money"
    )
    plan = models.ForeignKey("members.Plan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    received_on = models.DateField()
    covers_from = models.DateField(null=True, blank=True, help_text=_("The first day an invoice's period pays for."))
    # An invoice's subscription, the day it charges next and when Stripe said so: applying
    # the money leaves the member on auto-renew as a matching invoice would have.
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    renews_on = models.DateField(null=True, blank=True)
    stripe_event_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    payment = models.OneToOneField(
        verbose_name=_("payment"),
        to="members.Payment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="unapplied_source",
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Unapplied {self.stripe_object_id}"

    def audit_label(self) -> str:
        return _("Money held for review %(object)s") % {"object": self.stripe_object_id}

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_checkout(self) -> bool:
        return self.stripe_object_id.startswith("cs_")


class Dispute(models.Model):
    """A chargeback: the card holder asked their bank to take a card payment back."""

    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    payment = models.ForeignKey(
        "members.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="disputes"
    )
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=30, help_text=_("As Stripe last reported it: needs_response, won, lost…"))
    term_suspended = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self):
        return f"Dispute {self.stripe_dispute_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RefusedWebhook(models.Model):
    """A webhook event refused because its endpoint is on another Stripe API version:
    a configuration problem shown on /manage/ until the endpoint is fixed."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    api_version = models.CharField(max_length=50)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id} ({self.api_version})"


class PromiseRequest(models.Model):
    """A promise to pay offline made through a renewal link: recorded as a promise only
    once the member confirms it from the email sent to them."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="promise_requests")
    plan = models.ForeignKey("members.Plan", on_delete=models.CASCADE, related_name="+")
    amount_cents = models.PositiveIntegerField()
    method = models.CharField(max_length=20, choices=PaymentPromise.Method.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.member} asked to pay by {self.get_method_display().lower()}"
