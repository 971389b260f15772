"""Queue, claim, compose, send, retry and sweep email through the outbox.

A change that owes an email queues one small row inside its own transaction
(`queue`): the key, the kind, the recipient, and the ids and facts its composer
needs. Nothing is rendered there. The nudge to a worker is sent when that
transaction commits, so a rolled-back change sends nothing.

How a row travels: `queued` → a worker claims a batch (`sending`, with a claim id)
→ the worker composes each message with the composer its app registered for the
kind (`notifications.composing`) → for each message it first records `handed_at`
(with the composed text, personal links hidden), then gives the message to the
mail server over the batch's one connection, then records `sent`. A composer that
fails marks its row `failed` with the error; a transient send failure (SMTP 4xx, a
dropped connection) puts the row back to `queued` with a growing delay; a
permanent one (5xx) records `failed` with the server's words.

Every message a worker handles touches its rows, which is the claim's heartbeat.
The sweep finds claims with no sign of life for OUTBOX_STALE_SECONDS (a minute
by default), i.e. whose worker died. A row it holds that was never handed over
goes back to `queued` (it cannot have been sent); a row that was handed over but
never confirmed becomes `uncertain` (the server may or may not have it) and is
never sent again on its own: staff decide on /manage/outbox/. So a worker killed
between messages loses nothing and duplicates nothing.
"""

import uuid
from dataclasses import dataclass, field
from email import encoders
from email.mime.base import MIMEBase

from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone, translation

from notifications import preferences
from notifications.composing import Attachment, Composed, Skip, composed_from, register_composer, render
from notifications.models import Category, Delivery

__all__ = [
    "Attachment",
    "Category",
    "Composed",
    "Notice",
    "Skip",
    "composed_from",
    "counts",
    "is_queued",
    "queue",
    "queue_many",
    "queue_message",
    "queue_notice",
    "queued_keys",
    "register_composer",
    "render",
]

Status = Delivery.Status
INSERT_CHUNK = 500


class OutboxError(Exception):
    """A change to a delivery that its state does not allow."""


@dataclass(frozen=True)
class Notice:
    """One email a change owes: what the worker needs to compose it, and nothing rendered."""

    key: str
    kind: str
    to: str
    facts: dict = field(default_factory=dict)
    category: str = Category.TRANSACTIONAL
    user_id: int | None = None
    announcement_id: int | None = None


def queue(
    *,
    key: str,
    kind: str,
    to: str,
    facts: dict | None = None,
    category: str = Category.TRANSACTIONAL,
    user_id: int | None = None,
) -> bool:
    """Record one email owed under an idempotency key; False if the key was queued before.
    An address that is suppressed, or opted out of the category, gets a row marked
    suppressed at once. Two short statements, no rendering: safe under a row lock."""
    row = _row(Notice(key=key, kind=kind, to=to, facts=facts or {}, category=category, user_id=user_id))
    blocked = preferences.block_reason(email=row.to, category=category)
    if blocked:
        row.status, row.last_error = Status.SUPPRESSED, blocked
    created = bool(_insert([row]))
    if created and not blocked:
        nudge_on_commit()
    return created


def queue_notice(notice: Notice) -> bool:
    """`queue` for a `Notice` an app has made (its facts, category and user included)."""
    return queue(key=notice.key, kind=notice.kind, to=notice.to, facts=notice.facts, category=notice.category,
                 user_id=notice.user_id)  # fmt: skip


def queue_many(notices: list[Notice]) -> int:
    """Record many emails owed (a fan-out's batch); returns how many keys were new."""
    rows = [_row(notice) for notice in notices]
    created = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        created += len(_insert(rows[start : start + INSERT_CHUNK]))
    if created:
        nudge_on_commit()
    return created


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
    confidential: bool = False,
) -> bool:
    """Queue an email that is already written (allauth's sign-in codes and links, made
    in the request that asked for them); False if the key was queued before."""
    row = _row(Notice(key=key, kind=kind, to=to, category=category, user_id=user_id))
    row.subject, row.body_text, row.body_html = subject[:300], text, html
    row.prebuilt, row.confidential = True, confidential
    created = bool(_insert([row]))
    if created:
        nudge_on_commit()
    return created


def _row(notice: Notice) -> Delivery:
    now = timezone.now()
    return Delivery(
        key=notice.key,
        kind=notice.kind,
        to=preferences.normalise(notice.to),
        facts=notice.facts,
        category=notice.category,
        user_id=notice.user_id,
        announcement_id=notice.announcement_id,
        language=translation.get_language() or "",
        next_attempt_at=now,
        updated_at=now,
    )


def _insert(rows: list[Delivery]) -> list[str]:
    """INSERT … ON CONFLICT (key) DO NOTHING in one statement; the keys that were new.
    (No savepoint needed: a key queued by someone else meanwhile is simply skipped.)"""
    if not rows:
        return []
    fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    params = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for row in rows for f in fields]
    # Only the model's column names and %s markers are put into the text; every value is a bound parameter.
    sql = (
        f"INSERT INTO {quote(Delivery._meta.db_table)} ({columns}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('key')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [key for (key,) in cursor.fetchall()]


def is_queued(key: str) -> bool:
    """Whether an email was ever queued under this key (whatever became of it)."""
    return Delivery.objects.filter(key=key).exists()


def queued_keys(keys) -> set[str]:
    """Which of these keys were queued already."""
    keys, found = list(keys), set()
    for start in range(0, len(keys), 1000):
        found.update(Delivery.objects.filter(key__in=keys[start : start + 1000]).values_list("key", flat=True))
    return found


def counts(*, key_prefix: str, kind: str = "") -> dict[str, int]:
    """How many emails whose key starts with `key_prefix` are in each state (every state listed)."""
    rows = Delivery.objects.filter(key__startswith=key_prefix)
    if kind:
        rows = rows.filter(kind=kind)
    found = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: found.get(status, 0) for status in Status.values}


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


def build_message(delivery: Delivery, composed: Composed, connection=None) -> EmailMultiAlternatives:
    message = OutboxMessage(
        subject=composed.subject,
        body=composed.text,
        to=[delivery.to],
        headers={**composed.headers, "Message-ID": delivery.message_id},
        connection=connection,
    )
    if composed.html:
        message.attach_alternative(composed.html, "text/html")
    for item in composed.attachments:
        content = item.content.encode() if isinstance(item.content, str) else item.content
        if item.alternative:
            message.attach_alternative(content.decode(), item.mimetype)
        elif item.content_id:
            message.attach(_inline_part(item, content))
            message.mixed_subtype = "related"
        else:
            message.attach(item.filename, content, item.mimetype)
    return message


def _inline_part(item: Attachment, content: bytes) -> MIMEBase:
    part = MIMEBase(*item.mimetype.split(";", 1)[0].strip().split("/", 1))
    part.set_payload(content)
    encoders.encode_base64(part)
    part.add_header("Content-ID", f"<{item.content_id}>")
    part.add_header("Content-Disposition", "inline", filename=item.filename)
    return part
