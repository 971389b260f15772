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
        """Queue allauth's emails (confirmation, sign-in code, password reset) in the
        outbox, so a worker sends them like every other email. They hold sign-in
        secrets: marked confidential, their text is never shown to staff."""
        import uuid

        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site
        from django.db import transaction

        from notifications.outbox import Category, queue_message

        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request) if request is not None else None,
            "org_name": settings.ORG_NAME,
            "site_url": settings.SITE_URL,
            **context,
        }
        message = self.render_mail(template_prefix, email, context)
        html = next((body for body, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
        name = template_prefix.rsplit("/", 1)[-1]
        user = context.get("user")
        with transaction.atomic():
            queue_message(
                key=f"account:{name}:{uuid.uuid4().hex}",
                to=email,
                kind=f"account-{name}"[:60],
                subject=message.subject,
                text=message.body if message.content_subtype == "plain" else "",
                html=html or (message.body if message.content_subtype == "html" else ""),
                category=Category.TRANSACTIONAL,
                user_id=getattr(user, "pk", None),
                confidential=True,
            )

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            # allauth reports the limit as a form error; a client (and a script
            # guessing passwords) should see the HTTP status that says so.
            if error.code == "too_many_login_attempts":
                raise ImmediateHttpResponse(respond_429(request)) from error
            raise
