"""Signed links in members' emails: the one-step renewal link, the link to fix a card,
and the link that confirms a promise to pay made through a renewal link.

Each is for one member (and, for renewal, the term being renewed), signed with the
site's secret under its own salt, and expires. Opening one shows a page; only a
button on that page (a POST) does anything, and no link ever signs anyone in: the
card link opens the card settings only for the member signed in as its owner, and a
promise confirmation works once.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from members.models import Member, MembershipTerm

RENEWAL_SALT = "members.renewal"
CARD_SALT = "members.card"
CARD_LINK_MAX_AGE = datetime.timedelta(days=30)
PROMISE_SALT = "members.promise-confirm"
PROMISE_LINK_MAX_AGE = datetime.timedelta(days=2)


class InvalidLink(Exception):
    """The link was altered or has expired; the message says which, for the member."""


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def renewal_token(member: Member, term: MembershipTerm | None = None) -> str:
    return signing.dumps({"m": member.pk, "t": term.pk if term else None}, salt=RENEWAL_SALT, compress=True)


def renewal_url(member: Member, term: MembershipTerm | None = None) -> str:
    return absolute(reverse("members:renew", args=[renewal_token(member, term)]))


def card_url(member: Member) -> str:
    return absolute(reverse("members:card", args=[signing.dumps({"m": member.pk}, salt=CARD_SALT)]))


# The kind of link, as it reads in "This renewal link has expired".
LINK_KINDS = {
    "renewal": pgettext_lazy("link kind", "renewal"),
    "card": pgettext_lazy("link kind", "card"),
    "confirmation": pgettext_lazy("link kind", "confirmation"),
}


def _read(token: str, *, salt: str, max_age: datetime.timedelta, what: str) -> dict:
    kind = {"what": LINK_KINDS[what]}
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink(
            _("This %(what)s link has expired. Sign in, or use the link in a more recent email.") % kind
        ) from None
    except signing.BadSignature:
        raise InvalidLink(_("This %(what)s link is not valid. Please check it was copied in full.") % kind) from None
    if not isinstance(data, dict) or not Member.objects.filter(pk=data.get("m")).exists():
        raise InvalidLink(_("This %(what)s link is not valid any more.") % kind)
    return data


def read_renewal_token(token: str) -> tuple[Member, int | None]:
    """The member (and the id of the term) a renewal link was made for."""
    max_age = datetime.timedelta(days=settings.RENEWAL_LINK_MAX_AGE_DAYS)
    data = _read(token, salt=RENEWAL_SALT, max_age=max_age, what="renewal")
    return Member.objects.select_related("user").get(pk=data["m"]), data.get("t")


def read_card_token(token: str) -> Member:
    data = _read(token, salt=CARD_SALT, max_age=CARD_LINK_MAX_AGE, what="card")
    return Member.objects.select_related("user").get(pk=data["m"])


def promise_confirm_url(promise_request) -> str:
    token = signing.dumps({"m": promise_request.member_id, "r": promise_request.pk}, salt=PROMISE_SALT)
    return absolute(reverse("members:confirm-promise", args=[token]))


def read_promise_token(token: str) -> tuple[Member, int]:
    """The member and the id of the promise request a confirmation link was made for."""
    data = _read(token, salt=PROMISE_SALT, max_age=PROMISE_LINK_MAX_AGE, what="confirmation")
    return Member.objects.select_related("user").get(pk=data["m"]), data.get("r")
