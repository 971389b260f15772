"""The demo society's events, for the local run. Safe to run twice: an event that
exists already is left as it is.

- a three-day congress with few seats, full, with a waitlist, that asks two registration
  questions (dietary needs, on the door list; affiliation, optional), with some answers;
- a members-only forum, to which the members in good standing are invited;
- a public lecture, online only;
- a past symposium, with answers and people checked in at the door.

Each event, the congress's questions and its ticket types are written in Spanish too
(events/demo_spanish.py), the society's second language.

Answers go through events.rsvp, as they would from the pages, so the waitlist,
promotions and emails are the real ones.
"""

import datetime
import io
import zoneinfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from events import checkin, covers, invitations, organising, question_setup, questions, ticket_demo
from events import rsvp as seats
from events.demo_spanish import QUESTIONS, event_texts
from events.models import RSVP, Event, Invitation
from members.models import User
from notifications import fanout

ORGANISERS = ["organiser@example.org", "admin@example.org"]


def _at(days: int, hour: int, minute: int = 0, *, zone: str) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(zone))


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).select_related("member").first()


def _event(slug: str, **fields) -> Event | None:
    """Create and publish the event, or None if the demo made it before."""
    if Event.objects.filter(slug=slug).exists():
        return None
    organisers = [u for u in map(_user, ORGANISERS) if u]
    by = organisers[0] if organisers else None
    details = {"slug": slug, **fields, **event_texts(slug)}
    event = organising.create_event(details=details, organisers=organisers, by=by)
    published = min(timezone.now(), event.starts_at - datetime.timedelta(days=40))
    organising.publish(event_id=event.pk, now=published, by=by)
    event.refresh_from_db()
    return event


def _answer(event: Event, email: str, reply: str, *, name: str = "", guests: int = 0, **kwargs):
    user = _user(email)
    name = name or (user.get_full_name() if user else "")
    person = seats.rsvp_for(event=event, email=email, name=name, user=user)
    return seats.respond(rsvp_id=person.pk, answer=reply, guests=guests, **kwargs).rsvp


def _congress() -> Event | None:
    event = _event(
        "annual-congress",
        kind=Event.Kind.CONGRESS,
        title="Annual Congress of the Society",
        summary="Three days of papers, panels and the general meeting, in Berlin.",
        description=(
            "The society's yearly congress.\n\n## Programme\n\n- **Day 1**: keynote and papers\n"
            "- **Day 2**: panels and the poster session\n- **Day 3**: the general meeting\n\n"
            "Lunch is served every day. Guests are welcome."
        ),
        time_zone="Europe/Berlin",
        starts_at=_at(45, 9, zone="Europe/Berlin"),
        ends_at=_at(47, 17, zone="Europe/Berlin"),
        venue_name="Haus der Wissenschaft",
        venue_address="Unter den Linden 1\n10117 Berlin\nGermany",
        capacity=6,
        guests_allowed=1,
    )
    if event:
        _give_cover(event, alt="A drawing of a columned hall, pale against an evening sky")
        _answer(event, "member@example.org", "yes", guests=1)
        _answer(event, "renewing@example.org", "yes")
        _answer(event, "grace@example.org", "yes")
        _answer(event, "organiser@example.org", "yes", guests=1)  # six seats taken: full
        _answer(event, "visitor.one@example.org", "yes", name="Vera Visitor")  # first on the waitlist
        _answer(event, "visitor.two@example.org", "yes", name="Walter Waiting")
        _answer(event, "treasurer@example.org", "maybe")
        _answer(event, "lapsed@example.org", "no")
        pending = _user("pending@example.org")
        seats.rsvp_for(
            event=event, email="pending@example.org", name=pending.get_full_name() if pending else "", user=pending
        )
    return event


DIETS = ["No special needs", "Vegetarian", "Vegan", "Gluten-free", "Other"]
CONGRESS_ANSWERS = {
    "member@example.org": ("Vegetarian", "University of Springfield"),
    "renewing@example.org": ("No special needs", ""),
    "grace@example.org": ("Gluten-free", "Springfield Water Board"),
    "visitor.one@example.org": ("Other", "Independent researcher"),
}


def _congress_questions() -> None:
    """The congress's questions and a few answers, once (also to a congress seeded before questions existed)."""
    event = Event.objects.filter(slug="annual-congress").first()
    if event is None or event.questions.exists():
        return
    by = _user(ORGANISERS[0])
    diet = question_setup.add_question(
        event=event,
        details={
            "text": "Dietary needs",
            "kind": "one_choice",
            "choices": DIETS,
            "help_text": "Lunch is served every day. Choose Other and tell us at the door.",
            "required": True,
            "on_door_list": True,
            **QUESTIONS["Dietary needs"],
        },
        by=by,
    )
    affiliation = question_setup.add_question(
        event=event,
        details={
            "text": "Affiliation",
            "kind": "short_text",
            "help_text": "For your name badge (optional).",
            **QUESTIONS["Affiliation"],
        },
        by=by,
    )
    for person in RSVP.objects.filter(event=event, email__in=CONGRESS_ANSWERS).select_related("event"):
        chosen, where = CONGRESS_ANSWERS[person.email]
        questions.save_answers(rsvp=person, answers={diet.pk: chosen, affiliation.pk: where})


def _give_cover(event: Event, *, alt: str) -> None:
    """A cover drawn here (the demo ships no photographs), its sizes made at once rather than by a worker."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (1600, 900))
    draw = ImageDraw.Draw(picture)
    for y in range(900):
        draw.line([(0, y), (1600, y)], fill=(31 + y // 14, 78 + y // 24, 121 + y // 12))
    stone = (240, 236, 220)
    draw.polygon([(160, 390), (800, 130), (1440, 390)], fill=stone)
    for x in range(230, 1400, 200):
        draw.rectangle([x, 420, x + 90, 780], fill=stone)
    draw.rectangle([140, 790, 1460, 830], fill=stone)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    upload = SimpleUploadedFile("congress.jpg", buffer.getvalue(), content_type="image/jpeg")
    stored = covers.stored({"cover_image": upload})["cover_image"]
    Event.objects.filter(pk=event.pk).update(cover_image=stored, cover_alt=alt)
    covers.make_sizes(event_id=event.pk)


def _forum() -> Event | None:
    event = _event(
        "members-forum-budget",
        kind=Event.Kind.FORUM,
        title="Members' forum: next year's budget",
        summary="The treasurer presents next year's budget; members discuss it before the vote.",
        description="Only members in good standing may attend. Read the draft budget beforehand.",
        time_zone=settings.TIME_ZONE,
        starts_at=_at(14, 18, 30, zone=settings.TIME_ZONE),
        ends_at=_at(14, 20, 30, zone=settings.TIME_ZONE),
        venue_name="The Society's rooms",
        venue_address="1 Example Street, Springfield",
        capacity=40,
        visibility=Event.Visibility.MEMBERS,
    )
    if event:
        invitation = invitations.invite(event=event, segment=Invitation.Segment.GOOD_STANDING, by=_user(ORGANISERS[0]))
        fanout.drain(keys_starting=invitations.job_key(invitation))
        _answer(event, "member@example.org", "yes")
        _answer(event, "renewing@example.org", "maybe")
    return event


def _lecture() -> Event | None:
    event = _event(
        "public-lecture-rivers",
        kind=Event.Kind.LECTURE,
        title="Public lecture: rivers in a warming world",
        summary="An evening lecture, online, open to everyone.",
        description="Dr. Rhea Fluss on how rivers change as the climate warms. Questions afterwards.",
        time_zone="America/New_York",
        starts_at=_at(7, 19, zone="America/New_York"),
        ends_at=_at(7, 20, 30, zone="America/New_York"),
        online_url="https://meet.example.org/societas-rivers-lecture",
        remind_maybe=True,
    )
    if event:
        _answer(event, "member@example.org", "maybe")
        _answer(event, "visitor.three@example.org", "yes", name="Yara Young")
    return event


def _symposium() -> Event | None:
    starts = _at(-30, 10, zone=settings.TIME_ZONE)
    event = _event(
        "spring-symposium",
        kind=Event.Kind.SYMPOSIUM,
        title="Spring symposium on water law",
        summary="A day of talks on water law, past.",
        time_zone=settings.TIME_ZONE,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=7),
        venue_name="University Hall",
        capacity=100,
    )
    if event is None:
        return None
    answered = starts - datetime.timedelta(days=20)
    came = ["member@example.org", "renewing@example.org", "grace@example.org", "organiser@example.org"]
    for email in came:
        _answer(event, email, "yes", now=answered, notify=False)
    _answer(event, "lapsed@example.org", "yes", now=answered, notify=False)  # said yes, did not come
    _answer(event, "treasurer@example.org", "no", now=answered, notify=False)
    for person in event.rsvps.filter(email__in=came[:3]):
        checkin.check_in(
            event=event, rsvp_id=person.pk, by=_user(ORGANISERS[0]), now=starts + datetime.timedelta(minutes=20)
        )
    return event


@transaction.atomic
def seed(log) -> None:
    made = [e for e in (_congress(), _forum(), _lecture(), _symposium()) if e]
    _congress_questions()
    ticket_demo.seed(log)
    log(
        f"Events: {Event.objects.count()} in all, {len(made)} new "
        f"({', '.join(e.title for e in made) or 'the demo events were there already'})."
    )
