"""Queue, claim and send email through the outbox.

Callers (members, events) queue inside their own transaction; the nudge to a
worker is sent when that transaction commits, so a rolled-back change sends nothing.
"""

import base64
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import Category, Delivery


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes | str
    mimetype: str
    content_id: str = ""  # set for an inline image referenced as cid:<content_id>

    def to_json(self) -> dict:
        raw = self.content.encode() if isinstance(self.content, str) else self.content
        return {
            "filename": self.filename,
            "mimetype": self.mimetype,
            "content_id": self.content_id,
            "content": base64.b64encode(raw).decode(),
        }


@dataclass(frozen=True)
class Queued:
    delivery: Delivery
    created: bool  # False: a delivery with this key already existed; nothing new was queued


def render(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML from `<template>_subject.txt`, `.txt` and `.html`."""
    context = {
        "org_name": settings.ORG_NAME,
        "org_address": settings.ORG_ADDRESS,
        "site_url": settings.SITE_URL,
        **context,
    }
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    return subject, text, html


def queue_email(
    *,
    key: str,
    to: str,
    kind: str,
    template: str,
    context: dict,
    category: str = Category.TRANSACTIONAL,
    user_id: int | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Queued:
    """Queue one email under an idempotency key; a key seen before queues nothing."""
    existing = Delivery.objects.filter(key=key).first()
    if existing is not None:
        return Queued(existing, created=False)
    subject, text, html = render(template, context)
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            key=key,
            defaults={
                "to": to.strip().lower(),
                "kind": kind,
                "category": category,
                "user_id": user_id,
                "subject": subject,
                "body_text": text,
                "body_html": html,
                "attachments": [a.to_json() for a in attachments],
            },
        )
    if created:
        transaction.on_commit(lambda: _nudge(delivery.pk))
    return Queued(delivery, created=created)


def _nudge(delivery_id: int) -> None:
    from notifications.tasks import send_delivery

    send_delivery.delay(delivery_id)


def build_message(delivery: Delivery, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        to=[delivery.to],
        headers=delivery.headers,
        connection=connection,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    for item in delivery.attachments:
        message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    return message


def send(delivery_id: int) -> bool:
    """Claim one queued delivery and send it. False if someone else claimed it first."""
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.SENDING
    )
    if not claimed:
        return False
    delivery = Delivery.objects.get(pk=delivery_id)
    with get_connection() as connection:
        build_message(delivery, connection).send()
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=delivery.attempts + 1
    )
    return True
