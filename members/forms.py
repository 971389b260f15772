from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from members import roles
from members.account_forms import NameFields
from members.dues import date_concerns
from members.models import Member, Payment, PaymentPromise, Plan, Standing
from members.money import AmountError, format_money, parse_amount, plain_amount
from members.plan_form_options import clean_plan_options
from members.plans import PLAN_FIELDS
from members.second_language import offer_second_language

ADDRESS_WIDGETS = {
    "address_line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
    "address_line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
    "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
    "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
    "country": forms.TextInput(attrs={"autocomplete": "country-name"}),
    "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
}


class ProfileForm(NameFields, forms.ModelForm):
    """A member's own details on /membership/ (the directory listing has its own form)."""

    class Meta:
        model = Member
        fields = [
            "full_name", "sort_name", "address_line1", "address_line2", "city", "postal_code", "country", "phone",
            "language",
        ]  # fmt: skip
        widgets = ADDRESS_WIDGETS
        # The model's fields have no verbose names of their own to translate.
        labels = {
            "city": gettext_lazy("City"),
            "postal_code": gettext_lazy("Postal code"),
            "country": gettext_lazy("Country"),
            "phone": gettext_lazy("Phone"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The language of the site and of every email to the member, among those the society offers.
        self.fields["language"] = forms.ChoiceField(
            label=gettext_lazy("Your language"),
            help_text=gettext_lazy("The site and every email to you are written in it."),
            choices=settings.LANGUAGES,
            required=False,
        )
        if len(settings.LANGUAGES) < 2:
            del self.fields["language"]

    def clean_language(self) -> str:
        """Left out of the post: the language stays as it was."""
        return self.cleaned_data.get("language") or self.instance.language
        if self.instance.pk and not self.instance.full_name:
            self.initial["full_name"] = self.instance.name


class JoinDetailsForm(NameFields):
    """What joining asks besides the dues: the name, if the account has none, and the
    postal address, if the plan needs one and the member has not given it."""

    address_line1 = forms.CharField(
        label=gettext_lazy("Address"), max_length=200, widget=ADDRESS_WIDGETS["address_line1"]
    )
    address_line2 = forms.CharField(
        label=gettext_lazy("Address (line 2)"), max_length=200, required=False, widget=ADDRESS_WIDGETS["address_line2"]
    )
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, widget=ADDRESS_WIDGETS["city"])
    postal_code = forms.CharField(
        label=gettext_lazy("Postal code"), max_length=20, required=False, widget=ADDRESS_WIDGETS["postal_code"]
    )
    country = forms.CharField(label=gettext_lazy("Country"), max_length=100, widget=ADDRESS_WIDGETS["country"])

    NAME = ("full_name", "sort_name")
    ADDRESS = ("address_line1", "address_line2", "city", "postal_code", "country")

    def __init__(self, *args, ask_name: bool = False, ask_address: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (() if ask_name else self.NAME) + (() if ask_address else self.ADDRESS):
            del self.fields[name]

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class AmountField(forms.CharField):
    """Money typed by a person ('25', '25.50', '$1,000'), cleaned to integer cents."""

    def __init__(self, *, currency: str | None = None, **kwargs):
        self.currency = currency or settings.CURRENCY
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return plain_amount(value, self.currency) if isinstance(value, int) else value

    def clean(self, value):
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            return parse_amount(text, self.currency)
        except AmountError as error:
            raise forms.ValidationError(str(error), code="amount") from None


class DuesForm(forms.Form):
    """What a member chooses to pay for one plan: the amount (on a sliding scale),
    auto-renew (where offered), and, to pay offline, how."""

    amount = AmountField(label=gettext_lazy("Amount you will pay"), required=False)
    auto_renew = forms.BooleanField(label=gettext_lazy("Renew automatically each year by card"), required=False)
    offline_method = forms.ChoiceField(
        label=gettext_lazy("How you will pay"),
        choices=[("", gettext_lazy("Choose…")), *PaymentPromise.Method.choices],
        required=False,
    )

    def __init__(self, *args, plan: Plan, offline: bool = False, ask_name=False, ask_address=False, **kwargs):
        self.plan, self.offline = plan, offline
        super().__init__(*args, **kwargs)
        self.details = JoinDetailsForm(*args, ask_name=ask_name, ask_address=ask_address, **kwargs)
        if plan.is_sliding:
            amount = self.fields["amount"]
            amount.currency = plan.currency
            amount.label = _("Amount you will pay (%(currency)s)") % {"currency": plan.currency}
            amount.help_text = _("Pay what you can: at least %(least)s; we suggest %(suggested)s.") % {
                "least": format_money(plan.least_cents, plan.currency),
                "suggested": format_money(plan.amount_cents, plan.currency),
            }
            amount.initial = plan.amount_cents
        else:
            del self.fields["amount"]
        if not plan.offers_auto_renew or plan.requires_auto_renew:
            del self.fields["auto_renew"]

    def clean_amount(self):
        cents = self.cleaned_data.get("amount")
        if cents is None:
            raise forms.ValidationError(_("Enter the amount you will pay."), code="required")
        if not self.plan.accepts(cents):
            least = format_money(self.plan.least_cents, self.plan.currency)
            raise forms.ValidationError(
                _("The least you can pay on this plan is %(least)s.") % {"least": least}, code="minimum"
            )
        return cents

    def clean(self):
        data = super().clean()
        if self.plan.requires_auto_renew:  # monthly dues: always a card subscription
            data["auto_renew"] = True
            if self.offline:
                message = _("Monthly dues are paid by card, each month; choose a yearly plan to pay otherwise.")
                self.add_error(None, message)
        return data

    def clean_offline_method(self):
        method = self.cleaned_data.get("offline_method")
        if self.offline and not method:
            raise forms.ValidationError(_("Choose how you will pay: cheque, bank transfer or cash."), code="required")
        return method

    def is_valid(self) -> bool:
        own, details = super().is_valid(), self.details.is_valid()
        return own and details

    @property
    def amount_cents(self) -> int:
        return self.cleaned_data.get("amount") or self.plan.amount_cents


class PlanForm(forms.ModelForm):
    amount_cents = AmountField(
        label=gettext_lazy("Dues"),
        help_text=gettext_lazy("The fixed dues, or the suggested amount on a sliding scale."),
    )
    minimum_cents = AmountField(
        label=gettext_lazy("Minimum"),
        required=False,
        help_text=gettext_lazy("Sliding scale only: the least a member may pay."),
    )

    class Meta:
        model = Plan
        fields = list(PLAN_FIELDS)
        help_texts = {
            "slug": gettext_lazy("Used in links such as /join/?plan=regular. Leave empty to make one from the name.")
        }
        widgets = {
            "approval_question": forms.Textarea(attrs={"rows": 3}),
            "description_second": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        offer_second_language(
            self, gettext_lazy("People reading the site (and their emails) in this language see the name below.")
        )
        self.fields["amount_cents"].label = _("Dues (%(currency)s)") % {"currency": settings.CURRENCY}
        self.fields["minimum_cents"].label = _("Minimum (%(currency)s)") % {"currency": settings.CURRENCY}

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name", ""))
        if not slug:
            raise forms.ValidationError(_("Give the plan a name or a slug."))
        if Plan.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another plan already uses this slug."))
        return slug

    def clean(self):
        data = super().clean()
        amount, minimum = data.get("amount_cents"), data.get("minimum_cents") or 0
        if amount is None:
            return data
        if amount <= 0:
            self.add_error("amount_cents", _("Dues must be more than zero."))
        if data.get("pricing") == Plan.Pricing.SLIDING and minimum > amount:
            self.add_error("minimum_cents", _("The minimum cannot be more than the suggested amount."))
        data["minimum_cents"] = minimum if data.get("pricing") == Plan.Pricing.SLIDING else 0
        clean_plan_options(self, data)
        return data


class OfflinePaymentForm(forms.Form):
    """Money the treasurer received: it activates the member exactly as a card payment does."""

    METHODS = [m for m in Payment.Method.choices if m[0] not in (Payment.Method.CARD, Payment.Method.IMPORTED)]

    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), empty_label=None)
    method = forms.ChoiceField(choices=METHODS)
    amount = AmountField(required=False, help_text=gettext_lazy("Leave empty for a complimentary membership."))
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(
        required=False, max_length=200, help_text=gettext_lazy("Cheque number, bank reference, or who took the cash.")
    )
    confirm_date = forms.BooleanField(
        label=gettext_lazy("I confirm this date"),
        required=False,
        help_text=gettext_lazy("Only for a date before the member joined or more than a year ago."),
    )
    date_reason = forms.CharField(
        label=gettext_lazy("Why this date is right"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Kept with the payment, e.g. “cheque found in last year's post”."),
    )

    def __init__(self, *args, member: Member, **kwargs):
        self.member = member
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": settings.CURRENCY}
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The payment date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("method") == Payment.Method.COMPLIMENTARY:
            data["amount"] = 0
        elif "amount" in data and not data.get("amount"):
            self.add_error("amount", _("Enter the amount received (more than zero)."))
        self._clean_date_confirmation(data)
        return data

    def _clean_date_confirmation(self, data: dict) -> None:
        """A date that looks like a typo is refused unless the treasurer confirms it and says why."""
        day = data.get("received_on")
        concerns = date_concerns(member=self.member, received_on=day) if day else []
        if not concerns:
            data["date_reason"] = ""
            return
        if not data.get("confirm_date"):
            message = _("Check the date: %(concerns)s If it is right, tick “I confirm this date” and say why.")
            self.add_error("received_on", message % {"concerns": " ".join(concerns)})
        elif not (data.get("date_reason") or "").strip():
            self.add_error("date_reason", _("Say why this date is right; the reason is kept with the payment."))


class VoidForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    end_term = forms.BooleanField(
        label=gettext_lazy("End the membership term this payment bought"), required=False, initial=True
    )


class RefundForm(VoidForm):
    amount = AmountField(
        label=gettext_lazy("Amount to refund"),
        required=False,
        help_text=gettext_lazy("Leave empty to refund all that remains of the payment."),
    )

    def __init__(self, *args, currency: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].currency = currency or settings.CURRENCY
        self.fields["end_term"].label = _("End the membership term this payment bought (when nothing of it remains)")


class NoteForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ResolveForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("How was it resolved?"), max_length=2000)


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"), required=False, help_text=gettext_lazy("Name, email or member number")
    )
    standing = forms.ChoiceField(
        label=gettext_lazy("Standing"), required=False, choices=[("", gettext_lazy("Any")), *Standing.choices]
    )
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Plan"), required=False, queryset=Plan.objects.all(), empty_label=gettext_lazy("Any")
    )
    ends_within = forms.IntegerField(
        label=gettext_lazy("Ends within (days)"), required=False, min_value=0, max_value=3650
    )
    auto_renew = forms.ChoiceField(
        label=gettext_lazy("Auto-renew"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("yes", pgettext_lazy("auto-renew", "On")),
            ("no", pgettext_lazy("auto-renew", "Off")),
        ],
    )
    # The board's numbers on /manage/ link here: who joined, renewed or lapsed between two days.
    change = forms.ChoiceField(
        label=gettext_lazy("Joined, renewed or lapsed"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("joined", gettext_lazy("Joined")),
            ("renewed", gettext_lazy("Renewed")),
            ("lapsed", gettext_lazy("Lapsed")),
        ],
    )
    change_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    change_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("change_from"), data.get("change_to")
        if data.get("change") and not (start and end):
            self.add_error("change_to", _("Give both days: from and to."))
        elif start and end and start > end:
            self.add_error("change_to", _("The end of the range is before its start."))
        return data


class PaymentFilterForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(
        label=gettext_lazy("Method"), required=False, choices=[("", gettext_lazy("Any")), *Payment.Method.choices]
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("Any")), *Payment.Status.choices]
    )
    currency = forms.CharField(label=gettext_lazy("Currency"), required=False, max_length=3)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("Any")), *Payment.Kind.choices]
    )

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the range is before its start."))
        return data


class RoleGrantForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address of their account"))
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[(roles.ORGANISER, gettext_lazy("Organiser")), (roles.TREASURER, gettext_lazy("Treasurer"))],
    )
