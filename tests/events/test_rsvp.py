import datetime

import pytest
from django.utils import timezone

from events import rsvp as seats
from events.models import RSVP
from notifications.composing import Skip
from notifications.models import Delivery
from tests.events.helpers import answer, deliveries, yes_rsvps
from tests.factories import EventFactory, RSVPFactory
from tests.mail import composed

pytestmark = pytest.mark.django_db


def test_yes_takes_a_seat_and_is_confirmed_by_email():
    event = EventFactory(capacity=10)
    person = RSVPFactory(event=event)
    outcome = answer(person, "yes")
    assert outcome.rsvp.status == RSVP.Status.YES and outcome.changed
    event.refresh_from_db()
    assert seats.seats_left(event) == 9
    [email] = deliveries("event-yes", to=person.email)
    assert event.title in email.subject


def test_guests_are_counted_in_the_seats():
    event = EventFactory(capacity=10, guests_allowed=3)
    answer(RSVPFactory(event=event), "yes", guests=3)
    event.refresh_from_db()
    assert seats.seats_taken(event) == 4 == seats.count_seats(event.pk)
    event.refresh_from_db()
    assert seats.seats_left(event) == 6


def test_more_guests_than_allowed_are_refused_and_nothing_changes():
    event = EventFactory(guests_allowed=1)
    person = RSVPFactory(event=event)
    with pytest.raises(seats.RSVPRefused, match="You may bring at most 1 guest to this event"):
        answer(person, "yes", guests=2)
    person.refresh_from_db()
    assert person.status == RSVP.Status.INVITED and deliveries() == []


def test_yes_when_full_joins_waitlist_with_position():
    event = EventFactory(capacity=2)
    yes_rsvps(event, 2)
    first, second = RSVPFactory.create_batch(2, event=event)
    assert answer(first, "yes").waitlist_position == 1
    outcome = answer(second, "yes")
    assert outcome.rsvp.status == RSVP.Status.WAITLISTED and outcome.waitlist_position == 2
    [email] = deliveries("event-waitlisted", to=second.email)
    assert "number 2 in line" in email.body_text


def test_a_party_that_does_not_fit_waits_even_with_a_seat_free():
    event = EventFactory(capacity=3, guests_allowed=2)
    yes_rsvps(event, 2)
    outcome = answer(RSVPFactory(event=event), "yes", guests=1)
    assert outcome.rsvp.status == RSVP.Status.WAITLISTED
    event.refresh_from_db()
    assert seats.seats_left(event) == 1


def test_a_no_frees_the_seat_and_promotes_the_first_in_line_with_an_email():
    event = EventFactory(capacity=2)
    leaving, _ = yes_rsvps(event, 2)
    first, second = RSVPFactory.create_batch(2, event=event)
    answer(first, "yes")
    answer(second, "yes")
    outcome = answer(leaving, "no")
    assert [p.pk for p in outcome.promoted] == [first.pk]
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == RSVP.Status.YES and second.status == RSVP.Status.WAITLISTED
    assert seats.waitlist_position(second) == 1
    [email] = deliveries("event-promoted", to=first.email)
    assert "seat" in email.subject and any(a["filename"] == "event.ics" for a in email.attachments)


def test_the_first_in_line_who_fits_is_promoted_when_the_first_does_not_fit():
    event = EventFactory(capacity=2, guests_allowed=2)
    leaving, _ = yes_rsvps(event, 2)
    big_party, single = RSVPFactory.create_batch(2, event=event)
    answer(big_party, "yes", guests=2)
    answer(single, "yes")
    outcome = answer(leaving, "no")
    assert [p.pk for p in outcome.promoted] == [single.pk]
    big_party.refresh_from_db()
    assert big_party.status == RSVP.Status.WAITLISTED


def test_fewer_guests_frees_seats_for_the_waitlist():
    event = EventFactory(capacity=3, guests_allowed=2)
    family = RSVPFactory(event=event)
    answer(family, "yes", guests=2)
    waiting = RSVPFactory(event=event)
    answer(waiting, "yes")
    outcome = answer(family, "yes", guests=1)
    assert [p.pk for p in outcome.promoted] == [waiting.pk]


def test_more_guests_than_seats_left_is_refused_and_keeps_the_seat():
    event = EventFactory(capacity=3, guests_allowed=3)
    person = RSVPFactory(event=event)
    answer(person, "yes")
    yes_rsvps(event, 1)
    with pytest.raises(seats.RSVPRefused, match="no room"):
        answer(person, "yes", guests=3)
    person.refresh_from_db()
    assert person.status == RSVP.Status.YES and person.guests == 0


def test_maybe_from_the_waitlist_leaves_the_line():
    event = EventFactory(capacity=1)
    yes_rsvps(event, 1)
    waiting = RSVPFactory(event=event)
    answer(waiting, "yes")
    assert answer(waiting, "maybe").rsvp.waitlisted_at is None


def test_saying_yes_twice_changes_nothing_and_sends_one_confirmation():
    person = RSVPFactory(event=EventFactory())
    answer(person, "yes")
    assert not answer(person, "yes").changed
    assert len(deliveries("event-yes")) == 1


def test_changing_ones_mind_sends_a_confirmation_for_each_change():
    person = RSVPFactory(event=EventFactory())
    kinds = []
    for reply in ("yes", "no", "yes"):
        answer(person, reply)
        kinds.append(deliveries(to=person.email)[-1].kind)  # each sent by a worker before the next change
    assert kinds == ["event-yes", "event-answer", "event-yes"]


def test_a_confirmation_replaced_by_a_newer_answer_before_it_was_written_is_not_sent():
    person = RSVPFactory(event=EventFactory())
    answer(person, "yes")
    answer(person, "no")
    yes, no = Delivery.objects.filter(to=person.email).order_by("pk")
    with pytest.raises(Skip, match="newer answer"):
        composed(yes)
    assert composed(no).kind == "event-answer"


def test_unlimited_capacity_never_waitlists():
    event = EventFactory(capacity=None)
    yes_rsvps(event, 5)
    event.refresh_from_db()
    assert seats.seats_left(event) is None
    assert event.rsvps.filter(status="waitlisted").count() == 0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"status": "cancelled"}, "cancelled"),
        ({"status": "draft"}, "not published"),
        ({"rsvp_closes_at": "past"}, "closed"),
        ({"rsvp_opens_at": "future"}, "Answers open on"),
    ],
)
def test_answers_outside_the_window_or_on_a_cancelled_event_are_refused(changes, expected):
    now = timezone.now()
    moments = {"past": now - datetime.timedelta(hours=1), "future": now + datetime.timedelta(days=2)}
    event = EventFactory(**{k: moments.get(v, v) for k, v in changes.items()})
    person = RSVPFactory(event=event)
    with pytest.raises(seats.RSVPRefused, match=expected):
        answer(person, "yes")
    person.refresh_from_db()
    assert person.status == RSVP.Status.INVITED and deliveries() == []


def test_answers_close_when_the_event_starts_by_default():
    event = EventFactory()
    person = RSVPFactory(event=event)
    with pytest.raises(seats.RSVPRefused, match="closed"):
        answer(person, "yes", now=event.starts_at)


def test_a_lapsed_member_cannot_say_yes_to_a_members_only_event(lapsed_member):
    event = EventFactory(visibility="members")
    person = RSVPFactory(event=event, email=lapsed_member.email, user=lapsed_member)
    with pytest.raises(seats.RSVPRefused) as refused:
        answer(person, "yes")
    assert refused.value.code == "lapsed"
    person.refresh_from_db()
    assert person.status == RSVP.Status.INVITED


def test_a_lapsed_member_may_still_say_no_to_a_members_only_event(lapsed_member):
    event = EventFactory(visibility="members")
    person = RSVPFactory(event=event, email=lapsed_member.email, user=lapsed_member)
    assert answer(person, "no").rsvp.status == RSVP.Status.NO


def test_a_member_in_good_standing_can_say_yes_to_a_members_only_event(member):
    event = EventFactory(visibility="members")
    person = RSVPFactory(event=event, email=member.email)  # found by email, as from a pasted invitation
    assert answer(person, "yes").rsvp.status == RSVP.Status.YES


def test_a_non_member_cannot_answer_a_members_only_event():
    person = RSVPFactory(event=EventFactory(visibility="members"))
    with pytest.raises(seats.RSVPRefused) as refused:
        answer(person, "maybe")
    assert refused.value.code == "members_only"


def test_one_rsvp_per_event_and_email_whatever_the_case():
    event = EventFactory()
    first = seats.rsvp_for(event=event, email="Ann@Example.org", name="Ann")
    again = seats.rsvp_for(event=event, email="ann@example.org ")
    assert first.pk == again.pk and RSVP.objects.count() == 1


def test_tokens_are_long_random_and_unique():
    tokens = {RSVPFactory().token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes, URL-safe base64: 256 bits
