"""Queue, claim, send, retry and sweep email through the outbox.

Callers (members, events) queue inside their own transaction; the nudge to a
worker is sent when that transaction commits, so a rolled-back change sends nothing.

How a row travels: `queued` → a worker claims a batch (`sending`, with a claim id)
→ for each message it first records `handed_at`, then gives the message to the
mail server over the batch's one connection, then records `sent`. A transient
failure (SMTP 4xx, a dropped connection) puts the row back to `queued` with a
growing delay; a permanent one (5xx) records `failed` with the server's words.

The sweep (every minute) finds claims with no activity for OUTBOX_STALE_SECONDS,
i.e. whose worker died. A row it holds that was never handed over goes back to
`queued` (it cannot have been sent); a row that was handed over but never
confirmed becomes `uncertain` (the server may or may not have it) and is never
sent again on its own: staff decide on /manage/outbox/. So a worker killed
between messages loses nothing and duplicates nothing.
"""

import base64
import logging
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import encoders
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from notifications import preferences
from notifications.delivery_errors import classify
from notifications.models import Category, Delivery

logger = logging.getLogger(__name__)
Status = Delivery.Status


class OutboxError(Exception):
    """A change to a delivery that its state does not allow."""


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
    announcement_id: int | None = None,
) -> Queued:
    """Render and queue one email under an idempotency key; a key seen before queues nothing.

    Non-transactional mail gets the recipient's unsubscribe link (`unsubscribe_url`
    in the template, List-Unsubscribe headers on the message)."""
    existing = Delivery.objects.filter(key=key).first()
    if existing is not None:
        return Queued(existing, created=False)
    to = preferences.normalise(to)
    headers = {}
    if category != Category.TRANSACTIONAL:
        link = preferences.unsubscribe_link(email=to, category=category)
        context = {**context, "unsubscribe_url": link.url}
        headers = preferences.list_unsubscribe_headers(link)
    subject, text, html = render(template, context)
    return queue_message(
        key=key,
        to=to,
        kind=kind,
        subject=subject,
        text=text,
        html=html,
        category=category,
        user_id=user_id,
        headers=headers,
        attachments=attachments,
        announcement_id=announcement_id,
    )


def queue_message(
    *,
    key: str,
    to: str,
    kind: str,
    subject: str,
    text: str,
    html: str = "",
    category: str = Category.TRANSACTIONAL,
    user_id: int | None = None,
    headers: dict | None = None,
    attachments: tuple[Attachment, ...] = (),
    confidential: bool = False,
    announcement_id: int | None = None,
) -> Queued:
    """Queue an already rendered email under an idempotency key. An address that is
    suppressed, or opted out of the category, gets a row marked suppressed."""
    to = preferences.normalise(to)
    blocked = preferences.block_reason(email=to, category=category)
    delivery = Delivery(
        key=key,
        to=to,
        kind=kind,
        category=category,
        user_id=user_id,
        announcement_id=announcement_id,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        headers=headers or {},
        attachments=[a.to_json() for a in attachments],
        confidential=confidential,
        status=Status.SUPPRESSED if blocked else Status.QUEUED,
        last_error=blocked,
    )
    delivery.mime = build_message(delivery).message().as_bytes(linesep="\r\n")
    try:
        # A savepoint: a key queued by someone else meanwhile must not break the caller's transaction.
        with transaction.atomic():
            delivery.save(force_insert=True)
    except IntegrityError:
        return Queued(Delivery.objects.get(key=key), created=False)
    if not blocked:
        nudge_on_commit()
    return Queued(delivery, created=True)


def nudge_on_commit() -> None:
    """Wake a mail worker once the current transaction commits; one nudge per transaction."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is nudge for _, func, _ in connection.run_on_commit):
        return
    # robust: a broker that is down must not fail the caller's request; the sweep
    # nudges again within a minute.
    transaction.on_commit(nudge, robust=True)


def nudge() -> None:
    from notifications.tasks import send_queued

    send_queued.delay()


class OutboxMessage(EmailMultiAlternatives):
    def message(self, *args, **kwargs):
        message = super().message(*args, **kwargs)
        # A boundary chosen here spares the email package from compiling a regular
        # expression for every message to check its own (a tenth of a worker's time).
        for part in message.walk():
            if part.is_multipart() and part.get_boundary() is None:
                part.set_boundary(f"=_{uuid.uuid4().hex}")
        return message


def build_message(delivery: Delivery, connection=None) -> EmailMultiAlternatives:
    message = OutboxMessage(
        subject=delivery.subject,
        body=delivery.body_text,
        to=[delivery.to],
        headers={**delivery.headers, "Message-ID": delivery.message_id},
        connection=connection,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    for item in delivery.attachments:
        content = base64.b64decode(item["content"])
        if item.get("content_id"):
            message.attach(_inline_part(item, content))
            message.mixed_subtype = "related"
        else:
            message.attach(item["filename"], content, item["mimetype"])
    return message


def _inline_part(item: dict, content: bytes) -> MIMEBase:
    part = MIMEBase(*item["mimetype"].split("/", 1))
    part.set_payload(content)
    encoders.encode_base64(part)
    part.add_header("Content-ID", f"<{item['content_id']}>")
    part.add_header("Content-Disposition", "inline", filename=item["filename"])
    return part


# Sending ------------------------------------------------------------------------


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    suppressed: int = 0


def send(delivery_id: int) -> bool:
    """Claim one queued delivery and send it now, whatever its retry time. True if sent."""
    claim, now = uuid.uuid4(), timezone.now()
    taken = Delivery.objects.filter(pk=delivery_id, status=Status.QUEUED).update(
        status=Status.SENDING, claim=claim, claimed_at=now, handed_at=None, updated_at=now
    )
    if not taken:
        return False
    return _deliver(claim, list(Delivery.objects.filter(pk=delivery_id))).sent == 1


def send_due(*, limit: int | None = None) -> BatchResult:
    """Claim up to `limit` deliveries that are due and send them over one connection.
    A full batch nudges another worker first, so workers share a long queue."""
    limit = limit or settings.OUTBOX_BATCH_SIZE
    claim, rows = claim_due(limit=limit)
    if len(rows) == limit:
        try:
            nudge()
        except Exception:  # the sweep nudges again within a minute
            logger.exception("Could not nudge another mail worker")
    return _deliver(claim, rows) if rows else BatchResult()


def claim_due(*, limit: int, now: datetime | None = None) -> tuple[uuid.UUID, list[Delivery]]:
    """Take up to `limit` due rows for this worker alone (skip_locked: two workers
    never wait on, or take, the same rows)."""
    claim, now = uuid.uuid4(), now or timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Status.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=ids).update(
            status=Status.SENDING, claim=claim, claimed_at=now, handed_at=None, updated_at=now
        )
    return claim, list(Delivery.objects.filter(pk__in=ids).order_by("next_attempt_at", "id"))


def _deliver(claim: uuid.UUID, rows: list[Delivery]) -> BatchResult:
    result = BatchResult(claimed=len(rows))
    blocked = preferences.blocked_reasons((d.pk, d.to, d.category) for d in rows)
    for pk, reason in blocked.items():
        _settle(pk, claim, status=Status.SUPPRESSED, last_error=reason)
    result.suppressed = len(blocked)
    pending = [d for d in rows if d.pk not in blocked]
    if not pending:
        return result
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:
        _release(claim, f"Could not reach the mail server: {error}")
        return result
    # Over SMTP the message built when it was queued goes as it is; other backends
    # (ESPs through anymail, the local mailbox) get it rebuilt from its fields.
    sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8") if isinstance(connection, SMTPBackend) else ""
    try:
        for delivery in pending:
            outcome = _send_one(connection, claim, delivery, sender)
            if outcome == "lost_connection":
                lost = "The connection to the mail server was lost before this message's turn."
                result.retrying += 1 + _release(claim, lost)
                break
            if outcome != "claimed":
                setattr(result, outcome, getattr(result, outcome) + 1)
    finally:
        with suppress(Exception):
            connection.close()
        _release(claim, "")  # rows not handed over (an unexpected error) go back at once
    return result


def _send_one(connection, claim: uuid.UUID, delivery: Delivery, sender: str) -> str:
    raw = bytes(delivery.mime) if sender and delivery.mime else b""
    try:
        message = None if raw else build_message(delivery, connection)
    except Exception as error:
        _settle(delivery.pk, claim, status=Status.FAILED, last_error=f"Could not build the message: {error}")
        return "failed"
    now, attempts = timezone.now(), delivery.attempts + 1
    if not _mark_handed(delivery.pk, claim, now, attempts):
        return "claimed"  # the sweep took the row back from us; someone else sends it
    try:
        if raw:
            to = delivery.to if delivery.to.isascii() else sanitize_address(delivery.to, "utf-8")
            connection.connection.sendmail(sender, [to], raw)
        else:
            connection.send_messages([message])
    except Exception as error:
        return _record_failure(claim, delivery.pk, attempts, error)
    status = getattr(message, "anymail_status", None)
    _mark_sent(delivery.pk, claim, str((getattr(status, "message_id", None) or "") if status else "")[:200])
    return "sent"


HANDED = (
    "UPDATE notifications_delivery SET handed_at = %s, updated_at = %s, attempts = %s "
    "WHERE id = %s AND claim = %s AND status = %s AND handed_at IS NULL"
)
SENT_WITHOUT_WAITING = (
    "WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true)) "
    "UPDATE notifications_delivery SET status = %s, sent_at = %s, updated_at = %s, "
    "provider_message_id = %s FROM no_wait WHERE id = %s AND claim = %s"
)


def _claim_value(claim: uuid.UUID):
    return Delivery._meta.get_field("claim").get_db_prep_value(claim, connection)


def _mark_handed(pk: int, claim: uuid.UUID, now: datetime, attempts: int) -> bool:
    """Durably record that this message is about to go to the server; False if the row is no longer ours.
    Plain SQL: it runs once per message, and the ORM would double its cost."""
    with connection.cursor() as cursor:
        cursor.execute(HANDED, [now, now, attempts, pk, _claim_value(claim), Status.SENDING])
        return cursor.rowcount == 1


def _mark_sent(pk: int, claim: uuid.UUID, provider_id: str) -> None:
    # Not conditional on status: if the sweep wrongly judged us dead and marked the
    # row uncertain meanwhile, the truth is that it was sent.
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        _settle(pk, claim, status=Status.SENT, sent_at=timezone.now(), provider_message_id=provider_id)
        return
    # Waiting for the disk is half the cost of a message, and this mark need not:
    # the hand-over mark before it was durable, and the next message's hand-over
    # flushes this one. A crash of PostgreSQL itself in between leaves the row
    # handed over and unconfirmed, so the sweep makes it uncertain: never sent twice.
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(SENT_WITHOUT_WAITING, [Status.SENT, now, now, provider_id, pk, _claim_value(claim)])


def _record_failure(claim: uuid.UUID, pk: int, attempts: int, error: Exception) -> str:
    permanent, connection_lost, text = classify(error)
    delays = settings.OUTBOX_RETRY_DELAYS
    if permanent:
        _settle(pk, claim, status=Status.FAILED, last_error=text)
        return "failed"
    if attempts > len(delays):
        _settle(pk, claim, status=Status.FAILED, last_error=f"Gave up after {attempts} attempts. {text}")
        return "failed"
    retry_at = timezone.now() + timedelta(seconds=delays[attempts - 1])
    _settle(pk, claim, status=Status.QUEUED, last_error=text, next_attempt_at=retry_at, handed_at=None)
    return "lost_connection" if connection_lost else "retrying"


def _settle(pk: int, claim: uuid.UUID, **changes) -> None:
    Delivery.objects.filter(pk=pk, claim=claim).update(updated_at=timezone.now(), **changes)


def _release(claim: uuid.UUID, error: str) -> int:
    """Give back the claim's rows that were never handed over; with an error, retry them a little later."""
    now = timezone.now()
    changes = {"status": Status.QUEUED, "claim": None, "claimed_at": None, "updated_at": now}
    if error:
        changes.update(last_error=error, next_attempt_at=now + timedelta(seconds=settings.OUTBOX_RETRY_DELAYS[0]))
    return Delivery.objects.filter(claim=claim, status=Status.SENDING, handed_at=None).update(**changes)


# The sweep and staff actions ----------------------------------------------------------

UNCERTAIN_ERROR = (
    "The worker sending this message stopped while handing it to the mail server, so it may or may not "
    "have arrived. It will not be sent again on its own: check, then Send again or Mark as sent."
)


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    uncertain: int
    due: bool


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Take back rows held by workers that died, and nudge the workers if anything is due."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    alive = Delivery.objects.filter(claim=OuterRef("claim"), updated_at__gte=cutoff)
    abandoned = Delivery.objects.filter(status=Status.SENDING).filter(~Exists(alive))
    requeued = abandoned.filter(handed_at=None).update(
        status=Status.QUEUED, claim=None, claimed_at=None, next_attempt_at=now, updated_at=now
    )
    uncertain = abandoned.exclude(handed_at=None).update(
        status=Status.UNCERTAIN, last_error=UNCERTAIN_ERROR, updated_at=now
    )
    if uncertain:
        logger.warning("%s deliveries are uncertain: a worker died while handing them over", uncertain)
    due = Delivery.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now).exists()
    if due:
        nudge()
    return SweepResult(requeued=requeued, uncertain=uncertain, due=due)


def retry(*, delivery_id: int) -> Delivery:
    """Send a failed or uncertain delivery again (staff's choice); the worker is nudged on commit."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if not delivery.can_retry:
            state = delivery.get_status_display().lower()
            raise OutboxError(f"Only a failed or uncertain delivery can be sent again; this one is {state}.")
        delivery.status, delivery.next_attempt_at = Status.QUEUED, timezone.now()
        delivery.claim = delivery.handed_at = None
        delivery.updated_at = timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at", "claim", "handed_at", "updated_at"])
        nudge_on_commit()
    return delivery


def mark_sent(*, delivery_id: int) -> Delivery:
    """Record that an uncertain delivery did arrive (staff checked with the mail service)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Status.UNCERTAIN:
            raise OutboxError("Only an uncertain delivery can be marked as sent.")
        delivery.status, delivery.sent_at = Status.SENT, delivery.handed_at or timezone.now()
        delivery.claim, delivery.updated_at = None, timezone.now()
        delivery.save(update_fields=["status", "sent_at", "claim", "updated_at"])
    return delivery
