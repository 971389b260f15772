"""allauth's forms where the society needs a stricter rule (ACCOUNT_FORMS)."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.utils import filter_users_by_email
from django import forms
from django.utils.translation import gettext as _


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


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form in the society's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in")
