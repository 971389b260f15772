"""The outbox and people's choices about email.

A Delivery row is the truth about one email; the Celery message that nudges a
worker is only a hint that there is work. Preferences, unsubscribe links and
suppressions are keyed by email address, so people without an account have them too.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What kind of message this is, for people's preferences. Transactional mail
    (receipts, confirmations, sign-in) is always sent."""

    TRANSACTIONAL = "transactional", _("Receipts, confirmations and account emails")
    INVITATIONS = "invitations", _("Event invitations and announcements")
    REMINDERS = "reminders", _("Reminders")
    NEWSLETTERS = "newsletters", _("News and announcements from the society")


OPTIONAL_CATEGORIES = (Category.INVITATIONS, Category.REMINDERS, Category.NEWSLETTERS)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")
        UNCERTAIN = "uncertain", _("Uncertain")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(max_length=60, db_index=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.TRANSACTIONAL)
    to = models.EmailField(_("recipient"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    announcement = models.ForeignKey(
        "Announcement", on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    # What the change that owes this email recorded: the ids of what it is about and
    # the few facts that must not drift (the amount paid, the answer's revision). The
    # composer its app registered for `kind` makes the message from them, in a worker.
    facts = models.JSONField(default=dict, blank=True)
    # The message as composed (for staff: personal links replaced), filled in by the
    # worker when it hands the message over; a prebuilt message (allauth's) has them from the start.
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    prebuilt = models.BooleanField(default=False, editable=False)
    # Holds a sign-in secret (code, reset or confirmation link): its text is never shown to staff.
    confidential = models.BooleanField(default=False)
    # The language the email is written in: when queued, the one the person was reading;
    # once composed, the one it was written in (a member's own, notifications/languages.py).
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # Set while a worker holds the row: which batch, when it took it, and when it
    # began handing this message to the mail server (see outbox.sweep).
    claim = models.UUIDField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], condition=Q(status="queued"), name="delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.kind} to {self.to} ({self.status})"

    def audit_label(self) -> str:
        return _("Email %(number)s (%(kind)s)") % {"number": self.pk, "kind": self.kind}

    @property
    def can_retry(self) -> bool:
        return self.status in (self.Status.FAILED, self.Status.UNCERTAIN)

    @property
    def message_id(self) -> str:
        """A Message-ID made from the key: the same delivery is recognisable at the
        server (and in bounce reports), and it is known before the row is saved."""
        domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
        return f"<{hashlib.sha256(self.key.encode()).hexdigest()[:32]}@{domain}>"


class Preference(models.Model):
    """Which optional emails one address gets. No row means every kind."""

    email = models.EmailField(unique=True)
    invitations = models.BooleanField(Category.INVITATIONS.label, default=True)
    reminders = models.BooleanField(Category.REMINDERS.label, default=True)
    newsletters = models.BooleanField(Category.NEWSLETTERS.label, default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.email

    def allows(self, category: str) -> bool:
        return category == Category.TRANSACTIONAL or bool(getattr(self, category, True))


class UnsubscribeLink(models.Model):
    """The key in `/u/<token>/`: one address and one category of email."""

    token = models.CharField(max_length=64, unique=True, default=new_token)
    email = models.EmailField()
    category = models.CharField(max_length=20, choices=Category.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "category"], name="one_unsubscribe_link_per_category")]

    def __str__(self):
        return f"{self.email} ({self.category})"

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/u/{self.token}/"


class Suppression(models.Model):
    """An address that is never sent to again, until staff lift it. A lifted row is kept
    (with who lifted it and when) so the history stays; only rows not lifted count."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("Hard bounce")
        COMPLAINED = "complained", _("Spam complaint")
        REJECTED = "rejected", _("Refused by the mail service")
        STAFF = "staff", _("Suppressed by staff")

    email = models.EmailField(_("email"), db_index=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=Q(lifted_at__isnull=True), name="one_suppression_in_force_per_address"
            )
        ]

    def __str__(self):
        return f"{self.email} ({self.get_reason_display()})"

    def audit_label(self) -> str:
        return _("Suppression %(number)s") % {"number": self.pk}

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None


class Announcement(models.Model):
    """A message staff write once and send to a segment."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Queuing")
        SENT = "sent", _("Queued to everyone")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        # The Delivery kinds of notifications.kinds: an optional announcement, or an
        # operational message that reaches everyone in the audience.
        ANNOUNCEMENT = "announcement", _("Announcement (honours people's email choices)")
        OPERATIONAL = "operational-message", _("Operational (reaches everyone, like a receipt)")

    CATEGORIES = [
        (Category.NEWSLETTERS.value, Category.NEWSLETTERS.label),
        (Category.INVITATIONS.value, Category.INVITATIONS.label),
    ]

    subject = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown: *emphasis*, **bold**, [links](https://…), lists, headings."))
    category = models.CharField(max_length=20, choices=CATEGORIES, default=Category.NEWSLETTERS)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.ANNOUNCEMENT)
    segment = models.CharField(max_length=200)
    segment_label = models.CharField(max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    recipient_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # When a scheduled message is to go out (UTC); the dispatcher starts it then.
    send_at = models.DateTimeField(_("send at"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.subject

    @property
    def is_operational(self) -> bool:
        return self.kind == self.Kind.OPERATIONAL

    def audit_label(self) -> str:
        audience = self.segment_label or self.segment
        return (_("Announcement %(number)s to %(audience)s") % {"number": self.pk, "audience": audience})[:200]


class FanOut(models.Model):
    """One job that sends one kind of email to many people, a batch at a time.

    The registered source of `source` turns (params, cursor) into the next batch of
    notices; the engine queues them and moves the cursor in the same transaction, and
    beats `heartbeat_at`, so the sweep can resume a job whose worker or broker died.
    A job is identified by `key`: starting the same job twice starts it once."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Sending")
        DONE = "done", _("Done")
        STOPPED = "stopped", _("Stopped")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=60)
    params = models.JSONField(default=dict, blank=True)
    cursor = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, db_index=True)
    people = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.key} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING


class Pass(models.Model):
    """A periodic pass (the reminder dispatcher, the sweep) claimed for one time slot:
    a second beat, or a task delivered twice, finds the slot taken and does nothing."""

    name = models.CharField(max_length=60)
    slot = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="one_pass_per_slot")]

    def __str__(self):
        return f"{self.name} at {self.slot:%Y-%m-%d %H:%M:%S}"
