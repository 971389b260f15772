"""/manage/reminders/: when dues reminders go (treasurers) and the reminders a new event
starts with (organisers). Each change is written to the audit log."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from members import reminder_schedule, roles
from members.reminder_schedule import MOST_DAYS_AFTER, MOST_DAYS_BEFORE, ScheduleError


def _days(values) -> str:
    return ", ".join(str(day) for day in values)


class DuesOffsetsForm(forms.Form):
    days_before_end = forms.CharField(
        label=gettext_lazy("Days before a term ends"),
        required=False,
        help_text=gettext_lazy("Whole days, separated by commas; 0 is the day it ends. For example: 30, 7, 0."),
    )
    days_after_grace = forms.CharField(
        label=gettext_lazy("Days after the grace period ends (win-back)"),
        required=False,
        help_text=gettext_lazy("Whole days, separated by commas. For example: 14, 60."),
    )

    def _parsed(self, name: str, *, most: int, example: str):
        try:
            return reminder_schedule.parse_days(self.cleaned_data[name], least=0, most=most, example=example)
        except ScheduleError as error:
            raise forms.ValidationError(str(error), code="offset") from None

    def clean_days_before_end(self):
        return self._parsed("days_before_end", most=MOST_DAYS_BEFORE, example="30, 7, 0")

    def clean_days_after_grace(self):
        return self._parsed("days_after_grace", most=MOST_DAYS_AFTER, example="14, 60")


class EventDefaultsForm(forms.Form):
    event_offsets = forms.CharField(
        label=gettext_lazy("Reminders a new event starts with"),
        required=False,
        help_text=gettext_lazy("Before the start: d (days), h (hours), m (minutes). For example: 7d 1d 2h."),
    )

    def clean_event_offsets(self):
        try:
            return reminder_schedule.parse_event_offsets(self.cleaned_data["event_offsets"])
        except ScheduleError as error:
            raise forms.ValidationError(str(error), code="offset") from None


def _save(request, section: str):
    """The POSTed section's form: saved (and None returned) or returned with its errors."""
    if section == "dues":
        if not roles.is_treasurer(request.user):
            raise PermissionDenied
        form = DuesOffsetsForm(request.POST)
        if form.is_valid():
            reminder_schedule.change_dues_offsets(**form.cleaned_data, by=request.user)
            messages.success(request, _("Dues reminders are saved."))
            return None
        return form
    if section == "events":
        if not roles.is_organiser(request.user):
            raise PermissionDenied
        form = EventDefaultsForm(request.POST)
        if form.is_valid():
            reminder_schedule.change_event_defaults(**form.cleaned_data, by=request.user)
            messages.success(request, _("The reminders for new events are saved."))
            return None
        return form
    raise PermissionDenied


@roles.role_required(roles.ORGANISER, roles.TREASURER)
@require_http_methods(["GET", "HEAD", "POST"])
def reminder_settings(request):
    bound = None
    if request.method == "POST":
        bound = _save(request, request.POST.get("section", ""))
        if bound is None:
            return redirect("members:manage-reminders")
    schedule = reminder_schedule.current()
    dues_initial = {
        "days_before_end": _days(schedule.days_before_end),
        "days_after_grace": _days(schedule.days_after_grace),
    }
    context = {
        "schedule": schedule,
        "dues_form": bound if isinstance(bound, DuesOffsetsForm) else DuesOffsetsForm(initial=dues_initial),
        "events_form": bound
        if isinstance(bound, EventDefaultsForm)
        else EventDefaultsForm(initial={"event_offsets": schedule.event_offsets}),
        "may_change_dues": roles.is_treasurer(request.user),
        "may_change_events": roles.is_organiser(request.user),
    }
    return render(request, "members/manage/reminders.html", context, status=400 if bound else 200)
