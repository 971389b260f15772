"""The reminder offsets: dues reminders before a term ends and after its grace period
ends, and the reminders a new event starts with. Staff change them on
/manage/reminders/ (each change in the audit log); until then the environment's values
(RENEWAL_REMINDER_DAYS_BEFORE_END, RENEWAL_REMINDER_DAYS_AFTER_GRACE) are used."""

import re

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members.dues import DuesError
from members.models import ReminderSchedule

audit.log.describe("reminders.dues_changed", gettext_lazy("Changed when dues reminders are sent"))
audit.log.describe("reminders.event_defaults_changed", gettext_lazy("Changed the reminders new events start with"))

DEFAULT_EVENT_OFFSETS = "7d 1d 2h"
MOST_DAYS_BEFORE = 365
MOST_DAYS_AFTER = 365
EVENT_OFFSET = re.compile(r"^(\d{1,3})([dhm])$")
EVENT_OFFSET_LIMITS = {"d": 365, "h": 23 * 24, "m": 24 * 60}


class ScheduleError(DuesError):
    """An offset that is not a whole number of days, or out of range; the message says which."""


def current() -> ReminderSchedule:
    """The society's schedule: the saved row, else (unsaved) the environment's values."""
    saved = ReminderSchedule.objects.order_by("pk").first()
    if saved is not None:
        return saved
    return ReminderSchedule(
        days_before_end=sorted(set(settings.RENEWAL_REMINDER_DAYS_BEFORE_END), reverse=True),
        days_after_grace=sorted(set(settings.RENEWAL_REMINDER_DAYS_AFTER_GRACE)),
        event_offsets=DEFAULT_EVENT_OFFSETS,
    )


def parse_days(text: str, *, least: int, most: int, example: str) -> list[int]:
    """'30, 7, 0' as [30, 7, 0] (distinct whole days within least..most), or ScheduleError."""
    days = set()
    for word in text.replace(",", " ").split():
        if not word.isdigit():
            raise ScheduleError(
                _(
                    "“%(word)s” is not a whole number of days. "
                    "Write whole numbers separated by commas, such as %(example)s."
                )
                % {"word": word, "example": example}
            )
        if not least <= int(word) <= most:
            raise ScheduleError(
                _("%(word)s is out of range; use whole days from %(least)s to %(most)s.")
                % {"word": word, "least": least, "most": most}
            )
        days.add(int(word))
    if len(days) > 6:
        raise ScheduleError(_("Six reminders at most."))
    return sorted(days, reverse=True)


def parse_event_offsets(text: str) -> str:
    """'7d, 1d 2h' as '7d 1d 2h' (days, hours or minutes before the start), or ScheduleError."""
    words = []
    for word in text.replace(",", " ").lower().split():
        match = EVENT_OFFSET.match(word)
        if not match or not 0 < int(match.group(1)) <= EVENT_OFFSET_LIMITS[match.group(2)]:
            raise ScheduleError(
                _(
                    "“%(word)s” is not a reminder time. Write numbers with d (days), h (hours) or m (minutes), "
                    "for example: 7d 1d 2h."
                )
                % {"word": word}
            )
        if word not in words:
            words.append(word)
    if len(words) > 6:
        raise ScheduleError(_("Six reminders at most for an event."))
    return " ".join(words)


def _locked() -> ReminderSchedule:
    """The row, created from the current values the first time staff save the page."""
    schedule = ReminderSchedule.objects.select_for_update().order_by("pk").first()
    if schedule is None:
        schedule = current()
        schedule.save()
    return schedule


def change_dues_offsets(*, days_before_end: list[int], days_after_grace: list[int], by) -> ReminderSchedule:
    """Set when dues reminders go (a treasurer's change, in the audit log)."""
    with transaction.atomic():
        schedule = _locked()
        before = audit.log.snapshot(schedule, ("days_before_end", "days_after_grace"))
        schedule.days_before_end = sorted(set(days_before_end), reverse=True)
        schedule.days_after_grace = sorted(set(days_after_grace))
        schedule.save(update_fields=["days_before_end", "days_after_grace", "updated_at"])
        audit.log.record(by, "reminders.dues_changed", schedule, changes=audit.log.diff(before, schedule))
    return schedule


def change_event_defaults(*, event_offsets: str, by) -> ReminderSchedule:
    """Set the reminders a new event starts with (an organiser's change, in the audit log)."""
    with transaction.atomic():
        schedule = _locked()
        before = audit.log.snapshot(schedule, ("event_offsets",))
        schedule.event_offsets = event_offsets
        schedule.save(update_fields=["event_offsets", "updated_at"])
        audit.log.record(by, "reminders.event_defaults_changed", schedule, changes=audit.log.diff(before, schedule))
    return schedule
