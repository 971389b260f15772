"""Addresses that are never sent to again: hard bounces and complaints reported by
the ESP through django-anymail's tracking webhooks, and addresses staff suppressed.
Also the mailto half of List-Unsubscribe, when an ESP posts inbound mail to us."""

import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from config.languages import in_society_language
from notifications import preferences
from notifications.models import Delivery, Suppression, UnsubscribeLink

logger = logging.getLogger(__name__)

# anymail's normalised events that mean "this address must not get mail again".
SUPPRESSING_EVENTS = {"bounced": Suppression.Reason.BOUNCED, "complained": Suppression.Reason.COMPLAINED}
SUPPRESSING_REJECTIONS = {"bounced", "invalid", "spam"}
UNSUBSCRIBE_SUBJECT = re.compile(r"unsubscribe\s+([A-Za-z0-9_-]{20,64})", re.IGNORECASE)


class SuppressionError(Exception):
    """A change to a suppression that its state does not allow."""


audit.log.describe("suppression.added", gettext_lazy("Stopped all mail to an address"))
audit.log.describe("suppression.lifted", gettext_lazy("Allowed mail to an address again"))


def suppress(*, email: str, reason: str, detail: str = "", user_id: int | None = None) -> tuple[Suppression, bool]:
    """Never send to this address again; what is queued for it is marked suppressed now.
    Returns the suppression in force and whether it is new (an address already
    suppressed keeps its first reason)."""
    email = preferences.normalise(email)
    with transaction.atomic():
        suppression, created = Suppression.objects.get_or_create(
            email=email,
            lifted_at=None,
            defaults={"reason": reason, "detail": detail[:2000], "created_by_id": user_id},
        )
        Delivery.objects.filter(to=email, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SUPPRESSED,
            last_error=preferences.suppressed_text(suppression.reason),
            updated_at=timezone.now(),
        )
    return suppression, created


def add_by_staff(*, email: str, detail: str, by) -> tuple[Suppression, bool]:
    """Staff stop all mail to an address (the audit log says who, and why)."""
    with transaction.atomic():
        suppression, created = suppress(email=email, reason=Suppression.Reason.STAFF, detail=detail, user_id=by.pk)
        if created:
            after = {"email": suppression.email, "reason": suppression.reason}
            audit.log.record(
                by, "suppression.added", suppression, changes=audit.log.diff(dict.fromkeys(after), after), reason=detail
            )
    return suppression, created


def lift(*, suppression_id: int, by, reason: str = "") -> Suppression:
    """Allow mail to an address again (staff's choice). The row stays, marked lifted."""
    with transaction.atomic():
        suppression = Suppression.objects.select_for_update().get(pk=suppression_id)
        if not suppression.in_force:
            raise SuppressionError(_("Mail to %(email)s was already allowed again.") % {"email": suppression.email})
        before = audit.log.snapshot(suppression, ("lifted_at", "lifted_by"))
        suppression.lifted_at, suppression.lifted_by = timezone.now(), by
        suppression.save(update_fields=["lifted_at", "lifted_by"])
        audit.log.record(
            by, "suppression.lifted", suppression, changes=audit.log.diff(before, suppression), reason=reason
        )
    return suppression


def webhooks_protected(esp_name: str) -> bool:
    # Without a secret anymail warns and still accepts the post, and anyone could then
    # suppress any address with a made-up bounce: act only on authenticated webhooks.
    if settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return True
    logger.warning("Ignored a %s webhook: set ANYMAIL_WEBHOOK_SECRET to act on them", esp_name)
    return False


def on_tracking(sender, event, esp_name, **kwargs) -> None:
    """anymail's tracking signal: suppress hard bounces and complaints, and note
    the bounce on the delivery it answers."""
    if not webhooks_protected(esp_name):
        return
    reason = SUPPRESSING_EVENTS.get(event.event_type)
    if event.event_type == "rejected" and event.reject_reason in SUPPRESSING_REJECTIONS:
        reason = Suppression.Reason.REJECTED
    if reason is None or not event.recipient:
        return
    detail = f"{esp_name}: {event.description or event.mta_response or event.event_type}"
    suppress(email=event.recipient, reason=reason, detail=detail)
    if event.message_id:
        Delivery.objects.filter(provider_message_id=str(event.message_id)).update(
            status=Delivery.Status.FAILED,
            last_error=in_society_language(gettext_lazy("Reported after sending: %(detail)s"), detail=detail),
            updated_at=timezone.now(),
        )


def on_inbound(sender, event, esp_name, **kwargs) -> None:
    """anymail's inbound signal: an email to the List-Unsubscribe mailto unsubscribes."""
    if not webhooks_protected(esp_name):
        return
    message = event.message
    match = UNSUBSCRIBE_SUBJECT.search(str(getattr(message, "subject", "") or ""))
    if match is None:
        return
    link = UnsubscribeLink.objects.filter(token=match.group(1)).first()
    if link is not None:
        preferences.unsubscribe(link=link)
