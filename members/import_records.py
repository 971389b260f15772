"""The records of importing a member list: each uploaded file with its mapping, its
dry-run report and its counts, and which members each import touched.

Imported by `members.models`, so Django sees these models as part of the app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemberImport(models.Model):
    """One uploaded member list. The file's text is kept (decoded) until the import has
    been applied, so a worker on any machine can read it; then it is cleared, and only
    the counts, the report and the links to the members it touched remain."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Columns to check")
        CHECKED = "checked", _("Dry run done")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")

    file_name = models.CharField(max_length=200)
    text = models.TextField(blank=True, editable=False)
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    headers = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    # {field: column index}, {value in the plan column: plan id or None}, and how to read 03/04/2025.
    columns = models.JSONField(default=dict, blank=True)
    plans = models.JSONField(default=dict, blank=True)
    day_first = models.BooleanField(default=True)
    # The dry run: {"created", "updated", "unchanged", "skipped", "problems": [[row, column, message]], …}
    report = models.JSONField(default=dict, blank=True)
    # Rows the dry run found problems in: never applied.
    skip_rows = models.JSONField(default=list, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    # Problems found while applying (the database changed since the dry run).
    apply_problems = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    apply_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"Member import {self.pk} ({self.file_name})"

    def audit_label(self) -> str:
        return _("Member import %(number)s") % {"number": self.pk}

    @property
    def is_locked(self) -> bool:
        """Applied, or being applied: its mapping can no longer change."""
        return self.status in (self.Status.APPLYING, self.Status.DONE)

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped


class ImportedMember(models.Model):
    """A member an import created or updated: whom "invite to claim" writes to."""

    job = models.ForeignKey(MemberImport, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    created = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "member"], name="imported_member_once_per_job")]

    def __str__(self):
        return f"{self.member_id} in import {self.job_id}"
