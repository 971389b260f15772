"""Forms validate; the functions in organising.py, rsvp.py and invitations.py act.

Organisers type times as the clock on the wall where the event happens: each
datetime field here is read in the event's own zone and turned into UTC.
"""

import datetime
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events import covers, questions, time_zones
from events.invitations import parse_emails
from events.models import RSVP, Event, Invitation
from members import reminder_schedule
from members.roles import ORGANISER

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class ZoneInput(forms.TextInput):
    """A text box with the current time zones as a list to search as one types
    (<input list> and a <datalist>), the society's own zone first."""

    template_name = "events/widgets/zone_input.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id') or name}-zones"
        context["widget"]["attrs"]["list"] = list_id
        context["widget"]["list_id"] = list_id
        context["widget"]["zones"] = [(zone, time_zones.label(zone)) for zone in time_zones.choices()]
        return context


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time with no zone: the form decides which zone it is in."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(**kwargs)

    def to_python(self, value):
        result = super().to_python(value)
        return timezone.make_naive(result) if result is not None and timezone.is_aware(result) else result


def aware_in_zone(wall: datetime.datetime, zone_name: str) -> datetime.datetime:
    """The moment a wall-clock time names in a zone; refuses a time the clocks skip."""
    zone = zoneinfo.ZoneInfo(zone_name)
    moment = wall.replace(tzinfo=zone)
    if moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise forms.ValidationError(
            _("%(time)s on %(date)s does not exist in %(zone)s: the clocks go forward then.")
            % {"time": f"{wall:%H:%M}", "date": date_format(wall, "DATE_FORMAT"), "zone": zone_name}
        )
    return moment.astimezone(datetime.UTC)


def wall_clock(moment: datetime.datetime | None, zone_name: str) -> datetime.datetime | None:
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name)).replace(tzinfo=None) if moment else None


def organiser_choices():
    User = get_user_model()
    people = User.objects.filter(Q(groups__name=ORGANISER) | Q(is_superuser=True), is_active=True)
    return people.distinct().select_related("member")


class OrganisersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.email})" if name != user.email else user.email


class EventForm(forms.ModelForm):
    """Create or edit an event. A published event's dates move only through RescheduleForm."""

    LOCAL_FIELDS = ("starts_at", "ends_at", "rsvp_opens_at", "rsvp_closes_at")

    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        widget=ZoneInput(),
        help_text=_("Type a city or region and choose it from the list. Times below are in this zone."),
    )
    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    rsvp_opens_at = LocalDateTimeField(
        label=_("RSVPs open"), required=False, help_text=_("Blank: as soon as published.")
    )
    rsvp_closes_at = LocalDateTimeField(label=_("RSVPs close"), required=False, help_text=_("Blank: when it starts."))
    online_url = forms.URLField(
        label=_("Online joining link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Shown only to people who said yes."),
    )
    organisers = OrganisersField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Organisers"),
        help_text=_("You are always one of them."),
    )

    class Meta:
        model = Event
        fields = [
            "kind", "title", "summary", "description", "time_zone", "starts_at", "ends_at",
            "venue_name", "venue_address", "online_url", "capacity", "guests_allowed", "visibility",
            "rsvp_opens_at", "rsvp_closes_at", "reminder_offsets", "remind_maybe", "organisers",
            "cover_image", "cover_alt", "second_language", "title_second", "summary_second", "description_second",
        ]  # fmt: skip
        widgets = {
            "venue_address": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 10}),
            "description_second": forms.Textarea(attrs={"rows": 10}),
            "visibility": forms.RadioSelect,
        }
        labels = {
            "title": _("Title"),
            "summary": _("Summary"),
            "description": _("Description"),
            "venue_name": _("Venue name"),
            "venue_address": _("Venue address"),
            "capacity": _("Capacity"),
            "visibility": _("Visibility"),
            "reminder_offsets": _("Send reminders"),
            "kind": _("Kind of event"),
            "cover_alt": _("Describe the picture"),
        }
        help_texts = {
            "cover_image": _(
                "Optional. A JPEG, PNG or WebP picture at least 640 pixels wide (1600 or more looks best), "
                "up to 10 MB. Shown on the event's page, its card, link previews and the invitation."
            ),
            "cover_alt": _(
                "Needed with a picture: what it shows, for people who cannot see it, "
                "e.g. “The great hall of the museum, set out for a lecture”."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisers"].queryset = organiser_choices()
        self._second_language_fields()
        event = self.instance
        if not event.pk:
            self.initial.setdefault("time_zone", settings.TIME_ZONE)
            # What staff set on /manage/reminders/ for new events.
            self.initial.setdefault("reminder_offsets", reminder_schedule.current().event_offsets)
        if event.pk:
            for name in self.LOCAL_FIELDS:
                self.initial[name] = wall_clock(getattr(event, name), event.time_zone)
            if not event.is_draft:
                for name in ("starts_at", "ends_at"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Use “Change the date” to move a published event.")

    SECOND_LANGUAGE_FIELDS = ("second_language", "title_second", "summary_second", "description_second")

    def _second_language_fields(self) -> None:
        """The title, summary and description again in one other language, when the society offers two or more."""
        if len(settings.LANGUAGES) < 2:
            for name in self.SECOND_LANGUAGE_FIELDS:
                del self.fields[name]
            return
        self.fields["second_language"] = forms.ChoiceField(
            label=_("Second language"),
            required=False,
            choices=[("", _("None: one language only")), *settings.LANGUAGES],
            help_text=_("People reading the site (and their emails) in this language see the texts below."),
        )

    def _check_second_language(self, data) -> None:
        if "second_language" not in self.fields:
            return
        if data.get("second_language") and not (data.get("title_second") or "").strip():
            self.add_error("title_second", _("Give the event its name in the second language, or choose none."))
        if not data.get("second_language") and any(data.get(name) for name in self.SECOND_LANGUAGE_FIELDS[1:]):
            self.add_error("second_language", _("Choose which language these second texts are written in."))

    def clean_time_zone(self) -> str:
        return time_zones.canonical(
            self.cleaned_data["time_zone"], keep=self.instance.time_zone if self.instance.pk else ""
        )

    def clean(self):
        data = super().clean()
        zone = data.get("time_zone")
        if not zone:
            return data
        for name in self.LOCAL_FIELDS:
            if data.get(name) is not None and not self.fields[name].disabled:
                try:
                    data[name] = aware_in_zone(data[name], zone)
                except forms.ValidationError as error:
                    self.add_error(name, error)
            elif self.fields[name].disabled:
                data[name] = getattr(self.instance, name)
        self._check_order(data)
        if not (data.get("venue_name") or data.get("venue_address") or data.get("online_url")):
            self.add_error("venue_name", _("Give a venue, an online joining link, or both."))
        self._check_cover(data)
        self._check_second_language(data)
        return data

    def clean_cover_image(self):
        cover = self.cleaned_data.get("cover_image")
        return covers.check_upload(cover) if isinstance(cover, UploadedFile) else cover

    def _check_cover(self, data):
        cover = data.get("cover_image")
        if cover and not (data.get("cover_alt") or "").strip() and "cover_image" not in self.errors:
            self.add_error("cover_alt", _("Describe the picture for people who cannot see it: what does it show?"))

    def _check_order(self, data):
        starts, ends = data.get("starts_at"), data.get("ends_at")
        opens, closes = data.get("rsvp_opens_at"), data.get("rsvp_closes_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        if opens and closes and closes <= opens:
            self.add_error("rsvp_closes_at", _("RSVPs must close after they open."))
        if closes and ends and closes > ends:
            self.add_error("rsvp_closes_at", _("RSVPs cannot close after the event ends."))

    def changes(self) -> dict:
        """The cleaned values to apply, organisers apart; the cover only when a new one
        was uploaded (an UploadedFile) or the old one cleared (False)."""
        names = [name for name in self.Meta.fields if name != "organisers" and name in self.fields]
        changes = {name: self.cleaned_data[name] for name in names}
        if not (isinstance(changes["cover_image"], UploadedFile) or changes["cover_image"] is False):
            del changes["cover_image"]
        changes["cover_alt"] = changes["cover_alt"].strip()
        return changes


class RescheduleForm(forms.Form):
    starts_at = LocalDateTimeField(label=_("New start"))
    ends_at = LocalDateTimeField(label=_("New end"))
    message = forms.CharField(
        label=_("Message to the people coming"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent with the new date to everyone who said yes, maybe or is on the waitlist."),
    )

    def __init__(self, *args, event: Event, **kwargs):
        self.event = event
        kwargs.setdefault(
            "initial",
            {
                "starts_at": wall_clock(event.starts_at, event.time_zone),
                "ends_at": wall_clock(event.ends_at, event.time_zone),
            },
        )
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = gettext("In %(zone)s.") % {"zone": event.time_zone}

    def clean(self):
        data = super().clean()
        for name in ("starts_at", "ends_at"):
            if data.get(name) is not None:
                try:
                    data[name] = aware_in_zone(data[name], self.event.time_zone)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("The event must end after it starts."))
        if data.get("starts_at") and data["starts_at"] <= timezone.now():
            self.add_error("starts_at", _("The new start must be in the future."))
        return data


class CancelForm(forms.Form):
    message = forms.CharField(
        label=_("Message to everyone invited or answering"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why it is cancelled, and what happens next. Sent by email and shown on the event page."),
    )


class InviteForm(forms.Form):
    segment = forms.ChoiceField(label=_("Who"), choices=Invitation.Segment.choices, widget=forms.RadioSelect)
    past_event = forms.ModelChoiceField(
        label=_("Past event"), queryset=None, required=False, help_text=_("For “People who came to a past event”.")
    )
    emails = forms.CharField(
        label=_("Email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For “A list of email addresses”: one per line, or separated by commas."),
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["past_event"].queryset = Event.objects.listed().past(now=timezone.now()).exclude(pk=event.pk)

    def clean(self):
        data = super().clean()
        segment = data.get("segment")
        if segment == Invitation.Segment.PAST_EVENT and not data.get("past_event"):
            self.add_error("past_event", _("Choose the past event whose attendees to invite."))
        if segment == Invitation.Segment.EMAILS:
            valid, invalid = parse_emails(data.get("emails", ""))
            if invalid:
                listed = ", ".join(invalid[:50]) + (" …" if len(invalid) > 50 else "")
                self.add_error(
                    "emails",
                    ngettext(
                        "%(n)d of these is not an email address, so nothing was sent: %(listed)s. "
                        "Correct or remove it and send again.",
                        "%(n)d of these are not email addresses, so nothing was sent: %(listed)s. "
                        "Correct or remove them and send again.",
                        len(invalid),
                    )
                    % {"n": len(invalid), "listed": listed},
                )
            elif not valid:
                self.add_error("emails", _("Paste at least one email address."))
            data["email_list"] = valid
        return data


class DoorHelperForm(forms.Form):
    email = forms.EmailField(
        label=_("Email of their account"),
        help_text=_("They must have signed up already. They will see this event's door list and nothing else."),
    )


def guest_choices(event: Event) -> list[tuple[int, str]]:
    return [
        (n, gettext("Just me") if n == 0 else ngettext("Me and %(n)d guest", "Me and %(n)d guests", n) % {"n": n})
        for n in range(event.guests_allowed + 1)
    ]


class AnswerForm(forms.Form):
    """An answer by one press: the pressed button names the answer. With a yes come the
    answers to the event's registration questions (events/questions.py): checked in
    clean(), each problem shown at its question, and only for a yes."""

    answer = forms.ChoiceField(choices=[(s, s) for s in (RSVP.Status.YES, RSVP.Status.MAYBE, RSVP.Status.NO)])
    guests = forms.TypedChoiceField(coerce=int, required=False, empty_value=0, label=_("Guests"))
    asks_questions = True

    def __init__(self, *args, event: Event, answers_given: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["guests"].choices = guest_choices(event)
        self.question_names = []
        self.answers = {}
        if self.asks_questions:
            for name, field in questions.question_fields(event, initial=answers_given).items():
                field.asked_required = field.required
                field.required = False  # a maybe or a no answers none of them
                self.fields[name] = field
                self.question_names.append(name)

    @property
    def question_fields(self) -> list:
        return [self[name] for name in self.question_names]

    def clean(self):
        data = super().clean()
        if data.get("answer") == RSVP.Status.YES and self.question_names:
            self._check_questions(data)
        return data

    def _check_questions(self, data: dict) -> None:
        self.answers = questions.answers_from(data, self.event)
        for refusal in questions.problems(self.event, self.answers):
            name = questions.field_name(refusal.question) if refusal.question else None
            self.add_error(name, refusal.message)


class QuestionAnswersForm(AnswerForm):
    """Changing one's answers to the questions, and nothing else, from /r/<token>/."""

    def __init__(self, *args, event: Event, answers_given: dict | None = None, **kwargs):
        super().__init__(*args, event=event, answers_given=answers_given, **kwargs)
        del self.fields["answer"], self.fields["guests"]

    def clean(self):
        data = forms.Form.clean(self)
        self._check_questions(data)
        return data


class VisitorAnswerForm(AnswerForm):
    """A visitor without an account: we email them a link that confirms the answer. The
    questions are asked on that link's page, when the answer counts, so nothing a
    stranger typed in someone else's name is kept."""

    asks_questions = False

    name = forms.CharField(label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Your email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[(RSVP.Status.YES, _("Yes, I'll come")), (RSVP.Status.MAYBE, _("Maybe")), (RSVP.Status.NO, _("No"))],
        widget=forms.RadioSelect,
        initial=RSVP.Status.YES,
    )

    field_order = ["name", "email", "answer", "guests"]
