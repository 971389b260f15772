"""Addresses that are never sent to again: hard bounces and complaints reported by
the ESP through django-anymail's tracking webhooks, and addresses staff suppressed.
Also the mailto half of List-Unsubscribe, when an ESP posts inbound mail to us."""

import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications import preferences
from notifications.models import Delivery, Suppression, UnsubscribeLink

logger = logging.getLogger(__name__)

# anymail's normalised events that mean "this address must not get mail again".
SUPPRESSING_EVENTS = {"bounced": Suppression.Reason.BOUNCED, "complained": Suppression.Reason.COMPLAINED}
SUPPRESSING_REJECTIONS = {"bounced", "invalid", "spam"}
UNSUBSCRIBE_SUBJECT = re.compile(r"unsubscribe\s+([A-Za-z0-9_-]{20,64})", re.IGNORECASE)


def suppress(*, email: str, reason: str, detail: str = "", user_id: int | None = None) -> Suppression:
    """Never send to this address again; what is queued for it is marked suppressed now."""
    email = preferences.normalise(email)
    with transaction.atomic():
        suppression, _ = Suppression.objects.get_or_create(
            email=email, defaults={"reason": reason, "detail": detail[:2000], "created_by_id": user_id}
        )
        label = suppression.get_reason_display().lower()
        Delivery.objects.filter(to=email, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SUPPRESSED, last_error=f"Address suppressed ({label}).", updated_at=timezone.now()
        )
    return suppression


def lift(*, suppression_id: int) -> str:
    """Allow mail to an address again (staff's choice); returns the address."""
    with transaction.atomic():
        suppression = Suppression.objects.select_for_update().get(pk=suppression_id)
        suppression.delete()
    return suppression.email


def _webhooks_protected(esp_name: str) -> bool:
    # Without a secret anymail warns and still accepts the post, and anyone could then
    # suppress any address with a made-up bounce: act only on authenticated webhooks.
    if settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return True
    logger.warning("Ignored a %s webhook: set ANYMAIL_WEBHOOK_SECRET to act on them", esp_name)
    return False


def on_tracking(sender, event, esp_name, **kwargs) -> None:
    """anymail's tracking signal: suppress hard bounces and complaints, and note
    the bounce on the delivery it answers."""
    if not _webhooks_protected(esp_name):
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
            status=Delivery.Status.FAILED, last_error=f"Reported after sending: {detail}", updated_at=timezone.now()
        )


def on_inbound(sender, event, esp_name, **kwargs) -> None:
    """anymail's inbound signal: an email to the List-Unsubscribe mailto unsubscribes."""
    if not _webhooks_protected(esp_name):
        return
    message = event.message
    match = UNSUBSCRIBE_SUBJECT.search(str(getattr(message, "subject", "") or ""))
    if match is None:
        return
    link = UnsubscribeLink.objects.filter(token=match.group(1)).first()
    if link is not None:
        preferences.unsubscribe(link=link)
