"""The records kept for a member's requests about their own data: the downloads of
everything Societas holds about them.

Imported by `members.models`, so Django sees these models as part of the app.
"""

import datetime
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataExport(models.Model):
    """One download of a member's data: built by a worker, kept in the database (so any
    web process can serve it, whichever machine built it) until it expires, then deleted
    by the nightly retention pass. `public_id` names it in the emailed link, which opens
    only for the signed-in member it belongs to."""

    class Status(models.TextChoices):
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Could not be prepared")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    archive = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"Data export {self.public_id} ({self.status})"

    def is_expired(self, now: datetime.datetime) -> bool:
        return now >= self.expires_at

    def can_download(self, now: datetime.datetime) -> bool:
        return self.status == self.Status.READY and not self.is_expired(now)
