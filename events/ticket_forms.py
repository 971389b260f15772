"""Forms for ticket types, discount codes and orders: they validate; events/ticket_*.py act."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events import questions
from events.event_languages import ask_in_second_language, check_second_language
from events.forms import LocalDateTimeField, aware_in_zone, wall_clock
from events.ticket_records import DiscountCode, TicketType
from members.models import Plan

MOST_ATTENDEES = 20


class TicketTypeForm(forms.ModelForm):
    """A ticket type as the organiser types it: sale times on the event's own clock."""

    sale_starts_at = LocalDateTimeField(label=gettext_lazy("On sale from"), required=False)
    sale_ends_at = LocalDateTimeField(label=gettext_lazy("On sale until"), required=False)
    plans = forms.ModelMultipleChoiceField(
        queryset=Plan.objects.order_by("display_order", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Plans whose members may buy it"),
    )

    class Meta:
        model = TicketType
        fields = [
            "name",
            "name_second",
            "price_cents",
            "audience",
            "plans",
            "quantity",
            "sale_starts_at",
            "sale_ends_at",
            "max_per_order",
            "hidden",
            "unlock_code",
        ]

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        for name in ("sale_starts_at", "sale_ends_at"):
            self.initial[name] = wall_clock(getattr(self.instance, name), event.time_zone)
        self.fields["max_per_order"].min_value = 1
        ask_in_second_language(self, language=event.second_language, names=("name_second",))

    def clean(self):
        data = super().clean()
        for name in ("sale_starts_at", "sale_ends_at"):
            if data.get(name):
                try:
                    data[name] = aware_in_zone(data[name], self.event.time_zone)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        starts, ends = data.get("sale_starts_at"), data.get("sale_ends_at")
        if starts and ends and ends <= starts:
            self.add_error("sale_ends_at", _("The sale must end after it starts."))
        if data.get("audience") == TicketType.Audience.PLANS and not data.get("plans"):
            self.add_error("plans", _("Choose the plans whose members may buy this ticket."))
        if data.get("hidden") and not (data.get("unlock_code") or "").strip():
            self.add_error("unlock_code", _("A hidden ticket needs the code that unlocks it."))
        if data.get("max_per_order") is not None and data["max_per_order"] < 1:
            self.add_error("max_per_order", _("At least one ticket per order."))
        check_second_language(self, data, language=self.event.second_language, names=("name_second",))
        return data

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "plans"}


class DiscountCodeForm(forms.ModelForm):
    class Meta:
        model = DiscountCode
        fields = ["code", "kind", "value", "ticket_types", "max_uses", "last_day"]
        widgets = {"ticket_types": forms.CheckboxSelectMultiple, "last_day": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["ticket_types"].queryset = event.ticket_types.all()

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if DiscountCode.objects.filter(event=self.event, code__iexact=code).exists():
            raise forms.ValidationError(_("This event already has a code %(code)s.") % {"code": code})
        return code

    def clean(self):
        data = super().clean()
        if data.get("kind") == DiscountCode.Kind.PERCENT and not 1 <= (data.get("value") or 0) <= 100:
            self.add_error("value", _("A percentage is from 1 to 100."))
        if data.get("kind") == DiscountCode.Kind.AMOUNT and not data.get("value"):
            self.add_error("value", _("Give the amount off, in cents."))
        return data

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("code", "kind", "value", "max_uses", "last_day")}


class AttendeeForm(forms.Form):
    """One named attendee of an order (prefixes a0, a1, …)."""

    ticket_type = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Attendee's name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Attendee's email"))

    def __init__(self, *args, event=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        if event is not None:
            for name, field in questions.question_fields(event).items():
                # questions.problems says what is missing, once, in the event's own words
                field.asked_required, field.required = field.required, False
                self.fields[name] = field

    @property
    def question_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("question_")]

    def clean(self):
        data = super().clean()
        if self.event is not None:
            for refusal in questions.problems(self.event, questions.answers_from(data, self.event)):
                if refusal.question is not None:
                    self.add_error(questions.field_name(refusal.question), refusal.message)
                else:
                    self.add_error(None, refusal.message)
        return data

    @property
    def answers(self) -> dict:
        return questions.answers_from(self.cleaned_data, self.event) if self.event is not None else {}


def attendee_forms(data, ticket_ids: list[int], *, buyer=None, event=None) -> list[AttendeeForm]:
    """One form per ticket chosen, in order: a0, a1, …, each asking the event's questions;
    the first names the signed-in buyer to begin with."""
    first = {"name": buyer.get_full_name(), "email": buyer.email} if getattr(buyer, "is_authenticated", False) else {}
    return [
        AttendeeForm(
            data, prefix=f"a{index}", event=event, initial={"ticket_type": ticket_id, **(first if index == 0 else {})}
        )
        for index, ticket_id in enumerate(ticket_ids)
    ]
