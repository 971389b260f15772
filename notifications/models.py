"""The outbox: one row per email that must go out. The row is the truth; the Celery
message that nudges a worker is only a hint that there is work."""

from django.conf import settings
from django.db import models


class Category(models.TextChoices):
    """What kind of message this is, for people's preferences. Transactional mail
    (receipts, confirmations, sign-in) is always sent."""

    TRANSACTIONAL = "transactional", "Receipts, confirmations and account emails"
    INVITATIONS = "invitations", "Event invitations and announcements"
    REMINDERS = "reminders", "Reminders"
    NEWSLETTERS = "newsletters", "News and announcements from the society"


class Delivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"

    key = models.CharField("idempotency key", max_length=200, unique=True)
    kind = models.CharField(max_length=60, db_index=True)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.TRANSACTIONAL)
    to = models.EmailField("recipient", db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.kind} to {self.to} ({self.status})"
