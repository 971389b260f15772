"""The reminder offsets staff set on /manage/reminders/ (one row for the society)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderSchedule(models.Model):
    """When dues reminders go (days before a term ends; days after its grace period ends)
    and the reminders a new event starts with. The environment gives only the values
    used until staff first save this page."""

    days_before_end = models.JSONField(_("days before end"), default=list)
    days_after_grace = models.JSONField(_("days after grace"), default=list)
    event_offsets = models.CharField(_("event offsets"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    audit_label = _("Reminder schedule")

    class Meta:
        verbose_name = _("reminder schedule")

    def __str__(self):
        return str(self.audit_label)
