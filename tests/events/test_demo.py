import pytest
from django.core.management import call_command

from events.models import RSVP, Event

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_the_demo_events_with_answers_in_every_state_and_is_safe_twice():
    call_command("seed_demo")
    call_command("seed_demo")
    assert set(Event.objects.values_list("slug", flat=True)) == {
        "annual-congress",
        "members-forum-budget",
        "public-lecture-rivers",
        "spring-symposium",
    }
    congress = Event.objects.get(slug="annual-congress")
    # six seats of free answers, five for the demo's ticket orders and forty on sale (events/ticket_demo.py)
    assert congress.is_multi_day and congress.capacity == 51
    assert sum(r.party_size for r in congress.rsvps.filter(status="yes", ticket_lines__isnull=True)) == 6
    assert list(congress.rsvps.waitlist().values_list("name", flat=True)) == ["Vera Visitor", "Walter Waiting"]
    assert Event.objects.get(slug="members-forum-budget").is_members_only
    lecture = Event.objects.get(slug="public-lecture-rivers")
    assert lecture.is_online and not lecture.has_venue
    symposium = Event.objects.get(slug="spring-symposium")
    assert symposium.rsvps.filter(checked_in_at__isnull=False).count() == 3
    assert set(RSVP.objects.values_list("status", flat=True)) == set(RSVP.Status.values)
    assert RSVP.objects.filter(event__slug="members-forum-budget", status="invited").exists()
