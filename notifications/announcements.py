"""Announcements: staff write Markdown once, preview it as the email, and send it to
a segment that another app registered. Sending is a fan-out job (`fanout`): each
recipient is queued under their own idempotency key, a batch at a time, and a
worker composes each email from the announcement as it stands."""

import hashlib
import itertools
from collections.abc import Iterable

import markdown
import nh3
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from config.languages import in_society_language
from notifications import access, composing, fanout, kinds, outbox, registry
from notifications.models import Announcement, Category
from notifications.outbox import Notice
from notifications.registry import Recipient

FAN_OUT_SOURCE = "notifications.announcement"
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


def recipients(segment: str, *, after: int = 0) -> Iterable[Recipient]:
    name, _, key = segment.partition(":")
    source = registry.segment_sources.get(name)
    if source is None:
        raise AnnouncementError(_("That audience no longer exists."))
    return source.recipients(key, after=after)


def page_of(segment: str) -> str:
    """The page of the app that owns the audience where its messages are followed, or ""."""
    name, _, key = segment.partition(":")
    source = registry.segment_sources.get(name)
    return source.page(key) if source is not None and source.page is not None else ""


def count_recipients(segment: str) -> int:
    return len({r.email.strip().lower() for r in recipients(segment)})


def render_preview(announcement: Announcement) -> tuple[str, str, str]:
    """Subject, text and HTML exactly as a recipient will get them (with a sample link)."""
    return outbox.render(TEMPLATE, _context(announcement, markdown_to_html(announcement.body), "#unsubscribe"))


def _context(announcement: Announcement, body_html: str, unsubscribe_url: str = "") -> dict:
    context = {"subject": announcement.subject, "body_html": body_html, "body_text": announcement.body}
    return {**context, "unsubscribe_url": unsubscribe_url} if unsubscribe_url else context


def job_key(announcement_id: int) -> str:
    return f"announcement:{announcement_id}"


def email_key(announcement_id: int, email: str) -> str:
    email = email.strip().lower()
    return f"{job_key(announcement_id)}:{email if len(email) <= 150 else hashlib.sha256(email.encode()).hexdigest()}"


audit.log.describe("announcement.started", gettext_lazy("Started sending an announcement or a message to attendees"))


def start_sending(*, announcement_id: int, by) -> Announcement:
    """Send a draft to its audience: the fan-out starts when this commits. `by` is the
    person sending it, who must be allowed to write to that audience (an organiser only
    to the attendees of their own events); None is Societas itself (a script)."""
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement_id)
        if announcement.status not in (Announcement.Status.DRAFT, Announcement.Status.SCHEDULED):
            raise AnnouncementError(_("This announcement has already been sent."))
        if announcement.segment not in dict(segment_choices()):
            raise AnnouncementError(_("Its audience no longer exists; edit the announcement and choose another."))
        if by is not None and not access.may_use_segment(by, announcement.segment):
            raise AnnouncementError(_("You may not write to this audience; choose one of your own."))
        _start(announcement, by=by)
    return announcement


def _start(announcement: Announcement, *, by) -> None:
    """Mark a locked draft or scheduled message as sending, audit it, start its fan-out."""
    before = audit.log.snapshot(announcement, ("status", "sent_at", "sent_by"))
    announcement.status = Announcement.Status.SENDING
    announcement.sent_at, announcement.sent_by = timezone.now(), by
    announcement.save(update_fields=["status", "sent_at", "sent_by", "updated_at"])
    audit.log.record(by, "announcement.started", announcement, changes=audit.log.diff(before, announcement))
    fanout.start(key=job_key(announcement.pk), source=FAN_OUT_SOURCE, params={"announcement": announcement.pk})


def segment_choices_for(user) -> list[tuple[str, str]]:
    """The audiences this person may write to, of those that exist now."""
    return [(value, label) for value, label in segment_choices() if access.may_use_segment(user, value)]


def next_batch(params: dict, *, cursor: str, limit: int) -> fanout.Batch:
    """The fan-out source: the next recipients of the announcement's segment."""
    announcement = Announcement.objects.get(pk=params["announcement"])
    if announcement.status != Announcement.Status.SENDING:
        return fanout.Batch(
            [],
            cursor,
            done=True,
            stopped=in_society_language(gettext_lazy("The announcement is no longer being sent.")),
        )
    people = list(itertools.islice(recipients(announcement.segment, after=int(cursor or 0)), limit))
    notices = [
        Notice(
            key=email_key(announcement.pk, person.email),
            kind=announcement.kind,
            to=person.email,
            facts={"announcement": announcement.pk, "name": person.name},
            category=delivery_category(announcement),
            user_id=person.user_id,
            announcement_id=announcement.pk,
        )
        for person in people
    ]
    done = len(people) < limit
    if done:
        keys = {notice.key for notice in notices}
        total = sum(outbox.counts(key_prefix=f"{job_key(announcement.pk)}:").values())
        total += len(keys - outbox.queued_keys(keys))  # this batch's, queued just after this returns
        Announcement.objects.filter(pk=announcement.pk, status=Announcement.Status.SENDING).update(
            status=Announcement.Status.SENT, recipient_count=total, updated_at=timezone.now()
        )
    return fanout.Batch(notices, str(people[-1].cursor) if people else cursor, done=done)


def compose_batch(rows: list) -> dict:
    """The composer: every row of a batch from its announcement, its Markdown converted once."""
    ids = {row.facts["announcement"] for row in rows if "announcement" in row.facts}
    found = {a.pk: (a, markdown_to_html(a.body)) for a in Announcement.objects.filter(pk__in=ids)}
    results = {}
    for row in rows:
        if row.facts.get("test"):
            results[row.pk] = _compose_test(row)
            continue
        if row.facts["announcement"] not in found:
            deleted = in_society_language(gettext_lazy("The announcement was deleted before this email was sent."))
            results[row.pk] = LookupError(deleted)
            continue
        announcement, body_html = found[row.facts["announcement"]]
        context = {**_context(announcement, body_html), "name": row.facts.get("name", "")}
        results[row.pk] = composing.composed_from(row, TEMPLATE, context)
    return results


def compose(row):
    return compose_batch([row])[row.pk]


def progress(announcement: Announcement) -> dict[str, int]:
    """How many of its deliveries are in each state."""
    return outbox.counts(key_prefix=f"{job_key(announcement.pk)}:")


def delivery_category(announcement: Announcement) -> str:
    """An operational message is sent like a receipt: to everyone, with no unsubscribe link."""
    return Category.TRANSACTIONAL if kinds.is_operational(announcement.kind) else announcement.category


def _compose_test(row):
    """A test a sender sent themselves: the message as written, its subject marked as a test."""
    facts = row.facts
    body_html = markdown_to_html(facts["body"])
    subject = _("[Test] %(subject)s") % {"subject": facts["subject"]}
    context = {"subject": subject, "body_html": body_html, "body_text": facts["body"], "name": facts.get("name", "")}
    return composing.composed_from(row, TEMPLATE, context)


def register() -> None:
    fanout.register_source(FAN_OUT_SOURCE, next_batch)
    for kind in kinds.MESSAGE_KINDS:
        composing.register_composer(kind, compose, batch=compose_batch)
