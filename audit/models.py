"""The audit log: who did what to which object, the fields before and after, the reason.

A row is written by the function that makes the change, in its transaction
(`audit.log.record`). Nothing in the product edits or deletes one; the README says
how to make PostgreSQL refuse it too.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class AppendOnly(Exception):
    """An audit row was asked to change or go away."""


class Entry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Who did it. The label is kept as it was, so the row still reads after the
    # account is gone; the key is empty for what the system did on its own.
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    by_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    # How the object read when this was done, never a person's name or address (an
    # erased member's rows must not keep them): "Member 42", "Payment R-2026-0007".
    target_label = models.CharField(max_length=200, blank=True)
    # {field: [before, after]}; a person's own details are recorded as changed, not by value.
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = gettext_lazy("audit entry")
        verbose_name_plural = gettext_lazy("audit entries")
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_at"),
            models.Index(fields=["by", "-at"], name="audit_by_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.by_label or 'Societas'}: {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("An audit entry is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("An audit entry is never deleted.")
