import io
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import segno
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from config.brand import email_brand
from config.client_ip import client_ip
from config.language_views import offered
from members.accounts import ensure_member
from members.models import Member
from members.profiles import save_own_details


def on_site(url: str) -> str:
    """The same link on SITE_URL: allauth builds its links from the request's Host
    header, which whoever sends the request chooses."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def society_site() -> SimpleNamespace:
    """What allauth's templates call `current_site`, from settings rather than the request."""
    return SimpleNamespace(name=settings.ORG_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    """allauth's hooks: lower-case emails, a Member profile for each new user, the real
    client address for rate limits, links on SITE_URL, and 429 Too Many Requests once
    failed sign-ins pass the rate limit."""

    def get_client_ip(self, request) -> str:
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip

    def clean_email(self, email):
        return super().clean_email(email).strip().lower()

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            member = ensure_member(user)
            # A newcomer reads the pages after signing in, and their emails, in the language
            # they signed up in; the society's default is for members no one asked.
            language = translation.get_language()
            if offered(language) and member.language != language:
                Member.objects.filter(pk=member.pk).update(language=language)
            # The name asked on the sign-up form (members/account_forms.py), kept on the profile.
            if hasattr(form, "names"):
                save_own_details(member=member, values=form.names())
        return user

    def send_mail(self, template_prefix, email, context):
        """Queue allauth's emails (confirmation, sign-in code, password reset) in the
        outbox, so a worker sends them like every other email. They hold sign-in
        secrets: marked confidential, their text is never shown to staff. Each has a
        text and an HTML part (templates/account/email/), on the site's email layout."""
        import uuid

        from allauth.core import context as allauth_context
        from django.db import transaction

        from notifications.outbox import Category, queue_message

        request = allauth_context.request
        context = {
            "request": request,
            "email": email,
            "org_name": settings.ORG_NAME,
            "org_address": settings.ORG_ADDRESS,
            "site_url": settings.SITE_URL,
            "brand": email_brand(),
            **{key: on_site(value) if key.endswith("_url") else value for key, value in context.items()},
            "current_site": society_site(),
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


class MFAAdapter(DefaultMFAAdapter):
    """Two-factor: the set-up QR code is drawn with segno (already used for check-in
    codes) rather than a second QR library."""

    def build_totp_svg(self, url: str) -> str:
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="svg", xmldecl=False, scale=4)
        return buffer.getvalue().decode()
