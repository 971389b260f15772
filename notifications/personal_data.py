"""What the outbox holds about one email address, and forgetting it.

Apps above call these for a person's download, for closing an account and for the
nightly retention pass; they never touch the outbox's tables themselves. The log of
what was sent (kind, subject, dates, status) is kept; the text of each message is
removed after OUTBOX_BODY_RETENTION_DAYS, and at once for an address that is forgotten.
Suppressions (hard bounces, complaints) are kept: they stop mail to an address that
must not get any, whoever holds it next.
"""

import datetime

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy

from config.languages import in_society_language
from notifications.models import OPTIONAL_CATEGORIES, Category, Delivery, Preference, UnsubscribeLink
from notifications.preferences import normalise, preference_for

Status = Delivery.Status
EMAIL_LOG_FIELDS = ["created_at", "sent_at", "kind", "category", "subject", "status"]
# Rows whose text may go: handed over, or never to be sent. A failed message that was
# written in a request (a sign-in code) keeps its text, as "Send again" needs it.
FINISHED = (Status.SENT, Status.SUPPRESSED, Status.FAILED)


def emails_sent_to(email: str) -> list[dict]:
    """The log of emails to an address, oldest first: what kind, its subject, when, and
    what became of it. Never the text: it held personal links (answer, renew, sign in)."""
    rows = Delivery.objects.filter(to=normalise(email)).order_by("created_at", "pk")
    log = []
    for row in rows.values(*EMAIL_LOG_FIELDS):
        row["category"] = str(Category(row["category"]).label)
        log.append(row)
    return log


def preferences_of(email: str) -> dict[str, bool]:
    """Which optional emails the address gets, by category."""
    preference = preference_for(email)
    return {str(Category(category).label): preference.allows(category) for category in OPTIONAL_CATEGORIES}


def forget_address(*, email: str, replacement: str) -> int:
    """Forget an address: its choices and unsubscribe links go; every delivery to it
    keeps its kind, dates and status but names `replacement` and loses its text; what
    was still waiting to go out is not sent. Returns how many deliveries it touched."""
    email = normalise(email)
    with transaction.atomic():
        Preference.objects.filter(email=email).delete()
        UnsubscribeLink.objects.filter(email=email).delete()
        Delivery.objects.filter(to=email, status=Status.QUEUED).update(
            status=Status.SUPPRESSED,
            last_error=in_society_language(gettext_lazy("The address was erased at the person's request.")),
        )
        # Some keys hold the address (an announcement's, one per recipient): it goes from them too.
        return Delivery.objects.filter(to=email).update(
            to=replacement,
            key=Replace("key", Value(email), Value(replacement)),
            user=None,
            subject="",
            body_text="",
            body_html="",
            headers={},
            attachments=[],
        )


def remove_old_bodies(*, before: datetime.datetime) -> int:
    """Remove the text of finished emails queued before `before`; the log of them stays."""
    old = Delivery.objects.filter(created_at__lt=before, status__in=FINISHED).exclude(body_text="", body_html="")
    old = old.exclude(status=Status.FAILED, prebuilt=True)
    return old.update(body_text="", body_html="", attachments=[])
