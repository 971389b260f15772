"""Announcements: staff write Markdown once, preview it as the email, and send it to
a segment that another app registered. The fan-out runs in Celery, in batches,
each recipient under their own idempotency key, so a fan-out that is run again
(a worker died, the sweep resumed it) queues nobody twice."""

import hashlib
from collections.abc import Iterable, Iterator
from datetime import timedelta

import markdown
import nh3
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from notifications import outbox, registry
from notifications.models import Announcement, Delivery
from notifications.registry import Recipient

FAN_OUT_BATCH = 500
TEMPLATE = "notifications/email/announcement"
ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "pre", "hr"}


class AnnouncementError(Exception):
    """A change to an announcement that its state does not allow."""


def markdown_to_html(text: str) -> str:
    """Markdown as HTML that is safe in an email: no scripts, styles or odd links."""
    html = markdown.markdown(text, extensions=["sane_lists"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def segment_choices() -> list[tuple[str, str]]:
    """Every audience the other apps registered, as ("source:key", label)."""
    choices = []
    for name, source in sorted(registry.segment_sources.items()):
        choices.extend((f"{name}:{key}", label) for key, label in source.choices())
    return choices


def recipients(segment: str) -> Iterable[Recipient]:
    name, _, key = segment.partition(":")
    source = registry.segment_sources.get(name)
    if source is None:
        raise AnnouncementError("That audience no longer exists.")
    return source.recipients(key)


def count_recipients(segment: str) -> int:
    return len({r.email.strip().lower() for r in recipients(segment)})


def render_preview(announcement: Announcement) -> tuple[str, str, str]:
    """Subject, text and HTML exactly as a recipient will get them (with a sample link)."""
    return outbox.render(TEMPLATE, _context(announcement, markdown_to_html(announcement.body), "#unsubscribe"))


def _context(announcement: Announcement, body_html: str, unsubscribe_url: str = "") -> dict:
    context = {"subject": announcement.subject, "body_html": body_html, "body_text": announcement.body}
    return {**context, "unsubscribe_url": unsubscribe_url} if unsubscribe_url else context


def start_sending(*, announcement_id: int, user_id: int | None) -> Announcement:
    """Send a draft to its audience: the fan-out task starts when this commits."""
    from notifications.tasks import fan_out_announcement

    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement_id)
        if announcement.status != Announcement.Status.DRAFT:
            raise AnnouncementError("This announcement has already been sent.")
        if announcement.segment not in dict(segment_choices()):
            raise AnnouncementError("Its audience no longer exists; edit the announcement and choose another.")
        announcement.status = Announcement.Status.SENDING
        announcement.sent_at, announcement.sent_by_id = timezone.now(), user_id
        announcement.save(update_fields=["status", "sent_at", "sent_by", "updated_at"])
        transaction.on_commit(lambda: fan_out_announcement.delay(announcement_id))
    return announcement


def _chunks(items: Iterable[Recipient], size: int) -> Iterator[list[Recipient]]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _key(announcement_id: int, email: str) -> str:
    email = email.strip().lower()
    return (
        f"announcement:{announcement_id}:{email if len(email) <= 150 else hashlib.sha256(email.encode()).hexdigest()}"
    )


def fan_out(*, announcement_id: int) -> int:
    """Queue the announcement to each recipient of its segment, a batch per
    transaction; returns how many were newly queued. Safe to run again."""
    announcement = Announcement.objects.get(pk=announcement_id)
    if announcement.status != Announcement.Status.SENDING:
        return 0
    body_html, queued, seen = markdown_to_html(announcement.body), 0, set()
    for chunk in _chunks(recipients(announcement.segment), FAN_OUT_BATCH):
        with transaction.atomic():
            for person in chunk:
                seen.add(person.email.strip().lower())
                queued += outbox.queue_email(
                    key=_key(announcement.pk, person.email),
                    to=person.email,
                    kind="announcement",
                    template=TEMPLATE,
                    context={**_context(announcement, body_html), "name": person.name},
                    category=announcement.category,
                    user_id=person.user_id,
                    announcement_id=announcement.pk,
                ).created
            # A sign of life, so the sweep does not resume a fan-out that is running.
            Announcement.objects.filter(pk=announcement.pk).update(updated_at=timezone.now())
    Announcement.objects.filter(pk=announcement.pk, status=Announcement.Status.SENDING).update(
        status=Announcement.Status.SENT, recipient_count=len(seen), updated_at=timezone.now()
    )
    return queued


def resume_stalled(*, stale_after: timedelta = timedelta(minutes=10)) -> int:
    """Start again the fan-outs that stopped (their worker died); keys prevent duplicates."""
    from notifications.tasks import fan_out_announcement

    stalled = list(
        Announcement.objects.filter(
            status=Announcement.Status.SENDING, updated_at__lt=timezone.now() - stale_after
        ).values_list("pk", flat=True)
    )
    for announcement_id in stalled:
        Announcement.objects.filter(pk=announcement_id).update(updated_at=timezone.now())
        fan_out_announcement.delay(announcement_id)
    return len(stalled)


def progress(announcement: Announcement) -> dict[str, int]:
    """How many of its deliveries are in each state."""
    counts = dict(announcement.deliveries.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Delivery.Status.values}
