"""The mail worker's side of the outbox: claim a batch, compose it, send it over one
connection, record what happened; the sweep that takes back what dead workers held;
and staff's "send again" and "mark as sent". How a row travels is told in outbox.py.
"""

import html as html_escaping
import logging
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

import audit.log
from config.languages import in_society_language
from notifications import composing, preferences
from notifications.composing import Composed, Skip
from notifications.delivery_errors import classify
from notifications.models import Category, Delivery
from notifications.outbox import OutboxError, build_message, nudge, nudge_on_commit

logger = logging.getLogger(__name__)
Status = Delivery.Status


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
    ready = _compose(claim, [d for d in rows if d.pk not in blocked], result)
    if not ready:
        return result
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:
        _release(claim, in_society_language(gettext_lazy("Could not reach the mail server: %(error)s"), error=error))
        return result
    # Over SMTP the worker gives the server the message's bytes itself; other backends
    # (ESPs through anymail, the local mailbox) get the message object.
    sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8") if isinstance(connection, SMTPBackend) else ""
    try:
        for delivery, composed in ready:
            outcome = _send_one(connection, claim, delivery, composed, sender)
            if outcome == "lost_connection":
                lost = in_society_language(
                    gettext_lazy("The connection to the mail server was lost before this message's turn.")
                )
                result.retrying += 1 + _release(claim, lost)
                break
            if outcome != "claimed":
                setattr(result, outcome, getattr(result, outcome) + 1)
    finally:
        with suppress(Exception):
            connection.close()
        _release(claim, "")  # rows not handed over (an unexpected error) go back at once
    return result


def _compose(claim: uuid.UUID, rows: list[Delivery], result: BatchResult) -> list[tuple[Delivery, Composed]]:
    """Compose every row; a row whose composer skips it is suppressed, one that fails is failed."""
    _add_unsubscribe_links(rows)
    ready = []
    outcomes = composing.compose_all(rows)
    for delivery in rows:
        outcome = outcomes.get(delivery.pk) or LookupError("The composer returned nothing for this email.")
        if isinstance(outcome, Skip):
            reason = in_society_language(gettext_lazy("Not sent: %(reason)s"), reason=outcome)
            _settle(delivery.pk, claim, status=Status.SUPPRESSED, last_error=reason)
            result.suppressed += 1
        elif isinstance(outcome, Exception):
            failed = gettext_lazy("Could not compose this email (%(kind)s): %(error)s")
            error = in_society_language(failed, kind=type(outcome).__name__, error=outcome)
            _settle(delivery.pk, claim, status=Status.FAILED, last_error=error[:2000])
            result.failed += 1
        else:
            ready.append((delivery, _with_unsubscribe(delivery, outcome)))
    return ready


def preview(delivery: Delivery) -> Composed:
    """The message a worker would send for this row now, composed but not sent or recorded.
    Raises what its composer raises (`Skip` when it would not be sent)."""
    _add_unsubscribe_links([delivery])
    outcome = composing.compose_all([delivery])[delivery.pk]
    if isinstance(outcome, Exception):
        raise outcome
    return _with_unsubscribe(delivery, outcome)


def _add_unsubscribe_links(rows: list[Delivery]) -> None:
    """Each optional email's unsubscribe link, for its composer (`row.unsubscribe_url`)."""
    wanted = {(d.to, d.category) for d in rows if d.category != Category.TRANSACTIONAL and not d.prebuilt}
    links = preferences.unsubscribe_links(wanted)
    for delivery in rows:
        link = links.get((delivery.to, delivery.category))
        delivery.unsubscribe_link = link
        delivery.unsubscribe_url = link.url if link else ""


def _with_unsubscribe(delivery: Delivery, composed: Composed) -> Composed:
    link = getattr(delivery, "unsubscribe_link", None)
    if link is None:
        return composed
    headers = {**composed.headers, **preferences.list_unsubscribe_headers(link)}
    links = (*composed.personal_links, link.url)
    return Composed(
        subject=composed.subject,
        text=composed.text,
        html=composed.html,
        attachments=composed.attachments,
        headers=headers,
        personal_links=links,
    )


def _kept_for_staff(delivery: Delivery, composed: Composed) -> dict:
    """The composed message as the outbox keeps it: personal links and header tokens hidden."""
    links = [*composed.personal_links, *(html_escaping.escape(link) for link in composed.personal_links)]
    headers = {name: composing.redact(value, links) for name, value in composed.headers.items()}
    if "List-Unsubscribe" in headers:
        headers["List-Unsubscribe"] = "<[personal link]>, <mailto:[hidden]>"
    return {
        "subject": composing.redact(composed.subject, links)[:300],
        "body_text": composing.redact(composed.text, links),
        "body_html": composing.redact(composed.html, links),
        "headers": headers,
        "attachments": [{"filename": a.filename, "mimetype": a.mimetype} for a in composed.attachments],
        "language": delivery.language,
    }


def _send_one(connection, claim: uuid.UUID, delivery: Delivery, composed: Composed, sender: str) -> str:
    try:
        message = build_message(delivery, composed, connection)
        raw = message.message().as_bytes(linesep="\r\n") if sender else b""
    except Exception as error:
        error = in_society_language(gettext_lazy("Could not build the message: %(error)s"), error=error)
        _settle(delivery.pk, claim, status=Status.FAILED, last_error=error)
        return "failed"
    now, attempts = timezone.now(), delivery.attempts + 1
    kept = {} if delivery.prebuilt else _kept_for_staff(delivery, composed)
    if not _mark_handed(delivery.pk, claim, now, attempts, kept):
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


SENT_WITHOUT_WAITING = (
    "WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true)) "
    "UPDATE notifications_delivery SET status = %s, sent_at = %s, updated_at = %s, "
    "provider_message_id = %s FROM no_wait WHERE id = %s AND claim = %s"
)


HANDED = (
    "UPDATE notifications_delivery SET handed_at = %s, updated_at = %s, attempts = %s{kept} "
    "WHERE id = %s AND claim = %s AND status = %s AND handed_at IS NULL"
)
KEPT = ", subject = %s, body_text = %s, body_html = %s, headers = %s, attachments = %s, language = %s"


def _mark_handed(pk: int, claim: uuid.UUID, now: datetime, attempts: int, kept: dict) -> bool:
    """Durably record that this message is about to go to the server (with the copy kept
    for staff); False if the row is no longer ours. Plain SQL: it runs once per message,
    and the ORM would double its cost."""
    values = []
    if kept:
        json_field = Delivery._meta.get_field("headers")
        values = [kept["subject"], kept["body_text"], kept["body_html"]]
        values += [json_field.get_db_prep_save(kept[name], connection) for name in ("headers", "attachments")]
        values.append(kept["language"])
    with connection.cursor() as cursor:
        sql = HANDED.format(kept=KEPT if kept else "")
        cursor.execute(sql, [now, now, attempts, *values, pk, _claim_value(claim), Status.SENDING])
        return cursor.rowcount == 1


def _claim_value(claim: uuid.UUID):
    return Delivery._meta.get_field("claim").get_db_prep_value(claim, connection)


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
        gave_up = ngettext_lazy(
            "Gave up after %(count)s attempt. %(error)s", "Gave up after %(count)s attempts. %(error)s", "count"
        )
        _settle(pk, claim, status=Status.FAILED, last_error=in_society_language(gave_up, count=attempts, error=text))
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

UNCERTAIN_ERROR = gettext_lazy(
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
        status=Status.UNCERTAIN, last_error=in_society_language(UNCERTAIN_ERROR), updated_at=now
    )
    if uncertain:
        logger.warning("%s deliveries are uncertain: a worker died while handing them over", uncertain)
    due = Delivery.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now).exists()
    if due:
        nudge()
    return SweepResult(requeued=requeued, uncertain=uncertain, due=due)


audit.log.describe("delivery.resent", gettext_lazy("Sent an email again"))
audit.log.describe("delivery.marked_sent", gettext_lazy("Marked an email as arrived"))

STAFF_FIELDS = ("status", "next_attempt_at", "sent_at")


def retry(*, delivery_id: int, by) -> Delivery:
    """Send a failed or uncertain delivery again (staff's choice); the worker is nudged on commit."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if not delivery.can_retry:
            state = delivery.get_status_display().lower()
            refusal = _("Only a failed or uncertain delivery can be sent again; this one is %(state)s.")
            raise OutboxError(refusal % {"state": state})
        before = audit.log.snapshot(delivery, STAFF_FIELDS)
        delivery.status, delivery.next_attempt_at = Status.QUEUED, timezone.now()
        delivery.claim = delivery.handed_at = None
        delivery.updated_at = timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at", "claim", "handed_at", "updated_at"])
        audit.log.record(by, "delivery.resent", delivery, changes=audit.log.diff(before, delivery))
        nudge_on_commit()
    return delivery


def mark_sent(*, delivery_id: int, by) -> Delivery:
    """Record that an uncertain delivery did arrive (staff checked with the mail service)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != Status.UNCERTAIN:
            raise OutboxError(_("Only an uncertain delivery can be marked as sent."))
        before = audit.log.snapshot(delivery, STAFF_FIELDS)
        delivery.status, delivery.sent_at = Status.SENT, delivery.handed_at or timezone.now()
        delivery.claim, delivery.updated_at = None, timezone.now()
        delivery.save(update_fields=["status", "sent_at", "claim", "updated_at"])
        audit.log.record(by, "delivery.marked_sent", delivery, changes=audit.log.diff(before, delivery))
    return delivery
