"""Choosing the language: the footer's menu posts to /language/, and a member's choice
is kept on their profile and applied whenever they are signed in.

The member's language rides in the session (set when they sign in or choose), so
applying it costs no query on each page.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

SESSION_KEY = "member_language"


def offered(code: str | None) -> bool:
    return bool(code) and code in dict(settings.LANGUAGES)


@require_POST
def set_language(request):
    """Django's set_language (the cookie, the redirect back to `next`); a signed-in member's
    choice is saved on their profile as well."""
    response = django_set_language(request)
    code = request.POST.get("language")
    if offered(code) and request.user.is_authenticated:
        from members.models import Member

        Member.objects.filter(user=request.user).update(language=code)
        request.session[SESSION_KEY] = code
    return response


def remember_member_language(request, language: str) -> None:
    """After a member changes their language on their profile: use it from the next page on."""
    if offered(language):
        request.session[SESSION_KEY] = language


@receiver(user_logged_in)
def apply_member_language(sender, request, user, **kwargs):
    """On signing in, the language on the member's profile becomes the one they read."""
    member = getattr(user, "member", None)
    if request is not None and member is not None and offered(member.language):
        request.session[SESSION_KEY] = member.language


class MemberLanguageMiddleware:
    """After LocaleMiddleware: a signed-in member's own language wins over the cookie and the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            code = request.session.get(SESSION_KEY)
            if offered(code) and code != translation.get_language():
                translation.activate(code)
                request.LANGUAGE_CODE = code
        return self.get_response(request)
