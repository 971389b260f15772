"""The form on an event's organiser page that writes a message to its attendees."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events import audiences
from events.forms import LocalDateTimeField, aware_in_zone
from events.mail_scope import SEGMENT_SOURCE
from events.models import Event
from notifications import kinds

KIND_CHOICES = [
    (kinds.OPERATIONAL, _("Operational: reaches everyone in the audience, whatever their email choices")),
    (kinds.ANNOUNCEMENT, _("Announcement: only people who have not turned off invitations and announcements")),
]


class MessageForm(forms.Form):
    audience = forms.ChoiceField(label=_("Send to"))
    kind = forms.ChoiceField(
        label=_("Kind of message"), choices=KIND_CHOICES, initial=kinds.OPERATIONAL, widget=forms.RadioSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: *emphasis*, **bold**, [links](https://…), lists."),
    )
    send_at = LocalDateTimeField(label=_("Send later, at"), required=False)

    def __init__(self, *args, event: Event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [(a.key, a.label) for a in audiences.for_event(event)]
        self.fields["send_at"].help_text = _("Only for “Send later”. In %(zone)s.") % {"zone": event.time_zone}

    def clean_send_at(self):
        moment = self.cleaned_data.get("send_at")
        return aware_in_zone(moment, self.event.time_zone) if moment is not None else None

    @property
    def segment(self) -> str:
        """The audience as notifications stores it (the events segment source's name first)."""
        return f"{SEGMENT_SOURCE}:{audiences.segment(self.event, self.cleaned_data['audience'])}"
