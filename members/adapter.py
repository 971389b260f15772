from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.conf import settings
from django.core.exceptions import ValidationError

from members.accounts import ensure_member


class AccountAdapter(DefaultAccountAdapter):
    """allauth's hooks: lower-case emails, a Member profile for each new user, and
    429 Too Many Requests once failed sign-ins pass the rate limit."""

    def clean_email(self, email):
        return super().clean_email(email).strip().lower()

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            ensure_member(user)
        return user

    def send_mail(self, template_prefix, email, context):
        context = {"org_name": settings.ORG_NAME, "site_url": settings.SITE_URL, **context}
        super().send_mail(template_prefix, email, context)

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            # allauth reports the limit as a form error; a client (and a script
            # guessing passwords) should see the HTTP status that says so.
            if error.code == "too_many_login_attempts":
                raise ImmediateHttpResponse(respond_429(request)) from error
            raise
