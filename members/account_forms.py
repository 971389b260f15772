"""allauth's forms where the society needs more, or a stricter rule (ACCOUNT_FORMS)."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.utils import filter_users_by_email
from allauth.core import context as allauth_context
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.names import sort_name_for, tidy


class AddEmailForm(AllauthAddEmailForm):
    """Refuse an extra address that another account already uses: left unverified on
    this account it would still be a claim on someone else's address."""

    def clean_email(self) -> str:
        email = get_adapter().clean_email(self.cleaned_data["email"].lower())
        if any(user.pk != self.user.pk for user in filter_users_by_email(email)):
            raise forms.ValidationError(
                _("This address belongs to another account, so it cannot be added to yours."),
                code="email_taken",
            )
        return super().clean_email()


class NameFields(forms.Form):
    """One field for the name as the person writes it, and the part a list sorts it by."""

    full_name = forms.CharField(
        label=gettext_lazy("Full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=gettext_lazy("As you would like it on receipts and in emails."),
        error_messages={"required": gettext_lazy("Enter your name.")},
    )
    sort_name = forms.CharField(
        label=gettext_lazy("Name to sort by"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Where lists put you: leave empty to use the last word of your name."),
    )

    def clean_full_name(self) -> str:
        name = tidy(self.cleaned_data.get("full_name", ""))
        if not name:
            raise forms.ValidationError(self.fields["full_name"].error_messages["required"], code="required")
        return name

    def clean(self):
        data = super().clean()
        if data.get("full_name"):
            data["sort_name"] = sort_name_for(data["full_name"], data.get("sort_name", ""))
        return data


class SignupForm(NameFields, AllauthSignupForm):
    """Signing up asks for the name: the adapter keeps it on the new member's profile."""

    field_order = ["full_name", "sort_name", "email", "password1", "password2"]

    def names(self) -> dict:
        return {"full_name": self.cleaned_data["full_name"], "sort_name": self.cleaned_data["sort_name"]}


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """Sign-in by code with the address filled in from the link an imported person was
    sent (`?email=`): they press one button. Opening the page still sends nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = allauth_context.request
        if not self.is_bound and request is not None and "email" in self.fields:
            self.fields["email"].initial = request.GET.get("email", "")[:254]


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form in the society's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in")
