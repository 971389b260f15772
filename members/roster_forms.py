"""The forms of the roster kept by hand (members/roster_edit.py): add a member, change
their details, close a membership, merge two records."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.account_forms import NameFields
from members.forms import ADDRESS_WIDGETS, AmountField
from members.models import Payment, Plan

DATE = forms.DateInput(attrs={"type": "date"})


def _about_the_member(form) -> None:
    """The name fields as a treasurer reads them: about the member, not about themselves."""
    form.fields["full_name"].help_text = ""
    form.fields["full_name"].error_messages = {"required": _("Enter the member's name.")}
    form.fields["sort_name"].help_text = _("Leave empty to use the last word of the name.")


class AddMemberForm(NameFields):
    METHODS = [(m, label) for m, label in Payment.Method.choices if m != Payment.Method.CARD]

    email = forms.EmailField(label=gettext_lazy("Email address"))
    plan = forms.ModelChoiceField(label=gettext_lazy("Plan"), queryset=Plan.objects.all(), empty_label=None)
    start = forms.DateField(label=gettext_lazy("Term starts on"), widget=DATE)
    end = forms.DateField(
        label=gettext_lazy("Term ends on"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Leave empty for as long as the plan runs (a year; a lifetime plan has no end)."),
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Paid by"),
        choices=METHODS,
        help_text=gettext_lazy("Complimentary: the term is given, with no payment."),
    )
    amount = AmountField(required=False)
    received_on = forms.DateField(
        label=gettext_lazy("Payment received on"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Leave empty for the day the term starts (or today, if it starts later)."),
    )
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Cheque number, bank reference, or who took the cash."),
    )
    send_welcome = forms.BooleanField(
        label=gettext_lazy("Email them a welcome (and the receipt for a payment)"),
        required=False,
        help_text=gettext_lazy("Nothing is sent unless this is ticked."),
    )

    field_order = ["full_name", "sort_name", "email", "plan", "start", "end", "method", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": settings.CURRENCY}
        self.fields["start"].initial = timezone.localdate()
        _about_the_member(self)

    def clean_received_on(self):
        day = self.cleaned_data.get("received_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The payment date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("method") == Payment.Method.COMPLIMENTARY:
            data["amount"] = 0
        elif "amount" in data and not data.get("amount"):
            self.add_error("amount", _("Enter the amount received (more than zero), or choose complimentary."))
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The term cannot end before it starts."))
        return data


class EditMemberForm(NameFields):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        help_text=gettext_lazy("A new address becomes their sign-in; the old address and the new one are both told."),
    )
    address_line1 = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=gettext_lazy("Address (line 2)"), max_length=200, required=False)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=20, required=False)
    country = forms.CharField(label=gettext_lazy("Country"), max_length=100, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=40, required=False)
    reason = forms.CharField(
        label=gettext_lazy("Why (optional)"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Kept in the audit log, e.g. “asked by letter of 3 March”."),
    )

    DETAILS = ("full_name", "sort_name", "address_line1", "address_line2", "city", "postal_code", "country", "phone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _about_the_member(self)
        for name, widget in ADDRESS_WIDGETS.items():
            self.fields[name].widget = widget

    @classmethod
    def initial_for(cls, member) -> dict:
        initial = {name: getattr(member, name) for name in cls.DETAILS}
        return {**initial, "full_name": member.name, "email": member.user.email}

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.DETAILS}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("Kept in the audit log."),
    )


class MergeForm(ReasonForm):
    keep = forms.ChoiceField(
        label=gettext_lazy("Keep"),
        widget=forms.RadioSelect,
        choices=[("this", gettext_lazy("This record")), ("other", gettext_lazy("The other record"))],
        initial="this",
        help_text=gettext_lazy("Everything of the other moves to the one kept; the other's sign-in stops working."),
    )
    other = forms.IntegerField(widget=forms.HiddenInput)
