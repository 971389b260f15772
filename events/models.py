"""Events, the RSVPs people give to them, invitations and private calendar feeds.

Times are stored in UTC and shown in the event's own IANA zone. Seats are never
stored: they are counted from the yes RSVPs (see `events/rsvp.py`), under a lock
on the event row, so a count can never drift from the answers that make it.
"""

import datetime
import secrets
import uuid
import zoneinfo
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from events.event_languages import SecondLanguage
from events.reminder_offsets import offsets_in_words, parse_offsets, validate_offsets

DEFAULT_REMINDER_OFFSETS = "7d 1d 2h"


def new_token() -> str:
    """256 random bits, URL-safe: the key to one RSVP or one calendar feed."""
    return secrets.token_urlsafe(32)


def long_day(moment: datetime.datetime | datetime.date) -> str:
    """'Friday 12 June 2026', as the reader's language writes a day."""
    return date_format(moment, pgettext("date format of a long day", "l j F Y"))


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)r is not an IANA time zone such as Europe/Paris or America/Los_Angeles.") % {"value": value}
        )


def cover_upload_path(event, filename: str) -> str:
    """Where an uploaded cover is kept: a random name (the upload's own may say too much),
    with the extension of the format the form found in it."""
    suffix = Path(filename).suffix.lower()
    return f"covers/originals/{secrets.token_hex(12)}{suffix}"


class EventQuerySet(models.QuerySet):
    def listed(self):
        """Events anyone may see on /events/: published or (once published) cancelled."""
        return self.filter(status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED])

    def upcoming(self, *, now: datetime.datetime):
        return self.filter(ends_at__gte=now).order_by("starts_at", "pk")

    def past(self, *, now: datetime.datetime):
        return self.filter(ends_at__lt=now).order_by("-starts_at", "-pk")

    def organised_by(self, user):
        return self if user.is_superuser else self.filter(organisers=user)


class Event(SecondLanguage, models.Model):
    class Kind(models.TextChoices):
        CONGRESS = "congress", _("Congress")
        FORUM = "forum", _("Forum")
        SYMPOSIUM = "symposium", _("Symposium")
        LECTURE = "lecture", _("Lecture")
        MEETING = "meeting", _("Meeting")
        SOCIAL = "social", _("Social")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone may answer")
        MEMBERS = "members", _("Members only: members in good standing may answer")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.FORUM)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.CharField(
        _("summary"), max_length=300, blank=True, help_text=_("One or two sentences for lists and links.")
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown: **bold**, _italic_, lists, [links](https://…).")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue_name = models.CharField(_("venue name"), max_length=200, blank=True)
    venue_address = models.TextField(_("venue address"), blank=True)
    online_url = models.URLField(
        _("online joining link"), max_length=500, blank=True, help_text=_("Shown only to people who said yes.")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Seats, guests included. Blank: no limit.")
    )
    # Yes answers plus their guests, kept by events/rsvp.py under the event's row lock, so
    # taking a seat never sums every answer of a 10,000-person congress.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    guests_allowed = models.PositiveSmallIntegerField(_("guests allowed per RSVP"), default=0)
    rsvp_opens_at = models.DateTimeField(
        _("RSVPs open"), null=True, blank=True, help_text=_("Blank: as soon as published.")
    )
    rsvp_closes_at = models.DateTimeField(
        _("RSVPs close"), null=True, blank=True, help_text=_("Blank: when it starts.")
    )
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    cancellation_message = models.TextField(blank=True)
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("organisers"), related_name="organised_events", blank=True
    )
    # People the organisers named to check attendees in at the door of this event, and
    # who may open nothing else under /manage/ (events/door_helpers.py).
    door_helpers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("door helpers"), related_name="door_events", blank=True
    )
    reminder_offsets = models.CharField(
        _("reminder offsets"),
        max_length=100,
        default=DEFAULT_REMINDER_OFFSETS,
        blank=True,
        validators=[validate_offsets],
        help_text=_("Before the start: d days, h hours, m minutes, e.g. 7d 1d 2h. Blank: no reminders."),
    )
    remind_maybe = models.BooleanField(_("remind people who said maybe too"), default=False)
    # An optional picture for the page, the cards, link previews and the invitation. The
    # upload is kept as it came; a worker makes the sizes pages show (events/covers.py):
    # [[width, height, name], …], smallest first. Until they exist, no picture is shown.
    cover_image = models.ImageField(_("cover image"), upload_to=cover_upload_path, blank=True, max_length=200)
    cover_alt = models.CharField(
        _("description of the cover image"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    cover_sizes = models.JSONField(_("cover sizes"), default=list, blank=True, editable=False)
    # Calendars: the UID never changes; SEQUENCE goes up with every change of time or place.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # Reminders: a move starts a new schedule (new keys), and offsets already due when
    # the schedule was planned are skipped rather than sent late.
    schedule_version = models.PositiveIntegerField(default=0, editable=False)
    reminders_planned_at = models.DateTimeField(default=timezone.now, editable=False)
    reminders_done = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start")
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", args=[self.slug])

    def audit_label(self) -> str:
        return self.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def starts_local(self) -> datetime.datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def ends_local(self) -> datetime.datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def when(self) -> str:
        """'Friday 12 June 2026, 18:00 to 20:00 PDT (America/Los_Angeles)', in the event's own zone."""
        start, end = self.starts_local, self.ends_local
        if start.date() == end.date():
            text = gettext("%(day)s, %(start)s to %(end)s") % {"day": long_day(start), "start": f"{start:%H:%M}",
                                                                "end": f"{end:%H:%M}"}  # fmt: skip
        else:
            text = gettext("%(day)s, %(start)s to %(end_day)s, %(end)s") % {
                "day": long_day(start), "start": f"{start:%H:%M}", "end_day": long_day(end), "end": f"{end:%H:%M}"
            }  # fmt: skip
        abbreviation = start.strftime("%Z")
        return f"{text} {abbreviation}" + ("" if abbreviation == self.time_zone else f" ({self.time_zone})")

    @property
    def is_multi_day(self) -> bool:
        return self.starts_local.date() != self.ends_local.date()

    @property
    def is_members_only(self) -> bool:
        return self.visibility == self.Visibility.MEMBERS

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)

    @property
    def has_venue(self) -> bool:
        return bool(self.venue_name or self.venue_address)

    @property
    def is_online_only(self) -> bool:
        """Online with no venue: there is no door, so no check-in code."""
        return self.is_online and not self.has_venue

    @property
    def place(self) -> str:
        """Where it happens, as the public may see it: the venue, or "Online"."""
        if self.has_venue:
            lines = [self.venue_name, *self.venue_address.splitlines()]
            venue = ", ".join(line.strip() for line in lines if line.strip())
            return gettext("%(venue)s and online") % {"venue": venue} if self.is_online else venue
        return gettext("Online") if self.is_online else gettext("To be announced")

    def has_started(self, now: datetime.datetime) -> bool:
        return now >= self.starts_at

    def is_over(self, now: datetime.datetime) -> bool:
        return now > self.ends_at

    def rsvp_opens(self) -> datetime.datetime | None:
        return self.rsvp_opens_at or self.published_at

    def rsvp_closes(self) -> datetime.datetime:
        return self.rsvp_closes_at or self.starts_at

    def rsvp_closed_reason(self, now: datetime.datetime) -> str:
        """Why answers are not taken at `now`, or "" while they are."""
        if self.is_cancelled:
            return gettext("This event has been cancelled, so answers are no longer taken.")
        if not self.is_published:
            return gettext("This event is not published yet, so answers are not taken.")
        opens = self.rsvp_opens()
        if opens and now < opens:
            local = opens.astimezone(self.zone)
            return gettext("Answers open on %(day)s at %(time)s (%(zone)s).") % {
                "day": long_day(local), "time": f"{local:%H:%M}", "zone": self.time_zone
            }  # fmt: skip
        if now >= self.rsvp_closes():
            return gettext("Answers for this event are closed.")
        return ""

    def seats_left(self, seats_taken: int) -> int | None:
        """Seats still free when `seats_taken` are taken; None when there is no limit."""
        if self.capacity is None:
            return None
        return max(self.capacity - seats_taken, 0)

    @property
    def free_seats(self) -> int | None:
        """Seats left now; None when there is no limit."""
        return self.seats_left(self.seats_taken)

    @property
    def has_cover(self) -> bool:
        """A cover to show: its sizes are made (an upload waiting for the worker shows none)."""
        return bool(self.cover_image and self.cover_sizes)

    def cover_size(self, width: int) -> dict | None:
        """The smallest made size at least `width` wide (else the largest): url, width, height."""
        if not self.has_cover:
            return None
        from django.core.files.storage import default_storage

        fits = [size for size in self.cover_sizes if size[0] >= width] or self.cover_sizes[-1:]
        chosen = fits[0]
        return {"url": default_storage.url(chosen[2]), "width": chosen[0], "height": chosen[1]}

    @property
    def cover_srcset(self) -> str:
        from django.core.files.storage import default_storage

        return ", ".join(f"{default_storage.url(name)} {width}w" for width, _, name in self.cover_sizes)

    @property
    def cover_card(self) -> dict | None:
        return self.cover_size(480)

    @property
    def cover_page(self) -> dict | None:
        return self.cover_size(960)

    @property
    def cover_share(self) -> dict | None:
        """The size for link previews (OpenGraph) and emails: 1200 pixels wide or the largest."""
        return self.cover_size(1200)

    @cached_property
    def offsets(self) -> list[tuple[str, datetime.timedelta]]:
        return parse_offsets(self.reminder_offsets)

    @property
    def reminders_in_words(self) -> str:
        """When its reminders go, as a person says it: '7 days, 1 day and 2 hours'."""
        return offsets_in_words(self.offsets)


class RSVPQuerySet(models.QuerySet):
    def waitlist(self):
        return self.filter(status=RSVP.Status.WAITLISTED).order_by("waitlisted_at", "pk")

    def attending(self):
        return self.filter(status=RSVP.Status.YES)


class RSVP(models.Model):
    """One person's answer to one event; the token is their key to it."""

    # The audit log records that these changed, never their values.
    audit_personal_fields = ("name", "email")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited, no answer yet")
        YES = "yes", _("Yes")
        MAYBE = "maybe", _("Maybe")
        NO = "no", _("No")
        WAITLISTED = "waitlisted", _("Waitlisted")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="rsvps"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INVITED)
    guests = models.PositiveSmallIntegerField(default=0)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # Every recorded change bumps the revision: confirmation emails are keyed by it.
    revision = models.PositiveIntegerField(default=0)
    invited_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RSVPQuerySet.as_manager()

    class Meta:
        verbose_name = _("RSVP")
        ordering = ["name", "email"]
        constraints = [models.UniqueConstraint(fields=["event", "email"], name="one_rsvp_per_event_and_email")]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self):
        return f"{self.display_name} to {self.event_id}: {self.status}"

    def get_absolute_url(self):
        return reverse("events:rsvp-link", args=[self.token])

    def audit_label(self) -> str:
        """Names the event, never the person who answered."""
        return _("Answer %(number)s to %(event)s") % {"number": self.pk, "event": self.event.title}

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def party_size(self) -> int:
        return 1 + self.guests

    @property
    def is_yes(self) -> bool:
        return self.status == self.Status.YES

    @property
    def has_answered(self) -> bool:
        return self.status != self.Status.INVITED

    @property
    def counts_seats(self) -> bool:
        return self.status == self.Status.YES


class Invitation(models.Model):
    """An organiser's invitation of one segment to one event, fanned out in batches."""

    class Segment(models.TextChoices):
        GOOD_STANDING = "good_standing", _("Members in good standing")
        ALL_MEMBERS = "all_members", _("All members, lapsed ones too")
        PAST_EVENT = "past_event", _("People who came to a past event")
        EMAILS = "emails", _("A list of email addresses")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    segment = models.CharField(max_length=20, choices=Segment.choices)
    past_event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    emails = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_segment_display()} to {self.event}"

    def audit_label(self) -> str:
        return _("Invitation %(number)s to %(event)s") % {"number": self.pk, "event": self.event.title}

    @property
    def audience(self) -> str:
        if self.segment == self.Segment.PAST_EVENT and self.past_event:
            return gettext("People who came to %(title)s") % {"title": self.past_event.title}
        if self.segment == self.Segment.EMAILS:
            count = len(self.emails)
            return ngettext("%(n)d pasted address", "%(n)d pasted addresses", count) % {"n": count}
        return self.get_segment_display()


class CalendarFeed(models.Model):
    """A person's private calendar address: the events they said yes or maybe to."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feed")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"

    def get_absolute_url(self):
        return reverse("events:member-feed", args=[self.token])


# The registration questions live in their own module; imported here so Django finds them.
from events.question_records import Answer, Question  # noqa: E402, F401

# Pay later by bank transfer: the organiser's terms for an event.
from events.ticket_pay_later_records import PayLaterTerms  # noqa: E402, F401

# Ticket types, orders and discount codes live in their own module; importing them here
# is how Django finds their models.
from events.ticket_records import DiscountCode, Order, OrderLine, TicketType  # noqa: E402, F401

# Refund policies and the refunds of cancelled tickets.
from events.ticket_refund_records import RefundPolicy, TicketRefund  # noqa: E402, F401

# The waitlist of a sold-out paid event, and its offers.
from events.ticket_waitlist_records import WaitlistEntry  # noqa: E402, F401
