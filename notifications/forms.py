from django import forms
from django.utils.translation import gettext_lazy as _

from notifications import announcements
from notifications.kinds import kind_choices
from notifications.models import OPTIONAL_CATEGORIES, Announcement, Category, Delivery, Preference


class PreferencesForm(forms.Form):
    """Which optional emails an address gets; receipts and account mail always go."""

    invitations = forms.BooleanField(required=False, label=Category.INVITATIONS.label)
    reminders = forms.BooleanField(
        required=False,
        label=_("Reminders"),
        help_text=_("Before events you said you will attend, and before dues are due."),
    )
    newsletters = forms.BooleanField(required=False, label=Category.NEWSLETTERS.label)

    def __init__(self, *args, preference: Preference, **kwargs):
        kwargs.setdefault("initial", {category: preference.allows(category) for category in OPTIONAL_CATEGORIES})
        super().__init__(*args, **kwargs)


class OutboxSearchForm(forms.Form):
    q = forms.CharField(required=False, label=_("Recipient contains"), max_length=254)
    kind = forms.ChoiceField(required=False, label=_("Kind"))
    status = forms.ChoiceField(required=False, label=_("Status"), choices=[("", "Any"), *Delivery.Status.choices])

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any"), *kind_choices(kinds)]


class SuppressionForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    detail = forms.CharField(required=False, label=_("Why (for other staff)"), max_length=500)


class AnnouncementForm(forms.ModelForm):
    segment = forms.ChoiceField(label=_("Send to"))

    class Meta:
        model = Announcement
        fields = ["subject", "body", "category", "segment"]
        labels = {"body": _("Message"), "category": _("Kind of message")}
        help_texts = {"category": _("People who turned this kind of email off will not get it.")}
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the audiences this person may write to: an organiser, their events' attendees.
        choices = announcements.segment_choices_for(user)
        self.fields["segment"].choices = [("", _("Choose an audience")), *choices]
        if not choices:
            self.fields["segment"].help_text = _("There is no audience you can write to now.")

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not announcements.markdown_to_html(body).strip():
            raise forms.ValidationError(_("Write the message: it is empty once formatting is removed."))
        return body

    def save(self, commit=True):
        announcement = super().save(commit=False)
        announcement.segment_label = dict(announcements.segment_choices()).get(announcement.segment, "")
        if commit:
            announcement.save()
        return announcement
