"""The public pages: /events/, /events/<slug>/, answering there, and the front page."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from events.models import RSVP
from tests.events.helpers import answer, deliveries, make_member, make_organiser, yes_rsvps
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_upcoming_and_past_separately(client):
    EventFactory(title="Coming soon")
    EventFactory(
        title="Long ago",
        starts_at=timezone.now() - datetime.timedelta(days=30),
        ends_at=timezone.now() - datetime.timedelta(days=30) + datetime.timedelta(hours=2),
    )
    EventFactory(title="Secret draft", status="draft")
    page = client.get("/events/").content.decode()
    upcoming, past = page.split('id="past-heading"')
    assert "Coming soon" in upcoming and "Long ago" not in upcoming
    assert "Long ago" in past
    assert "Secret draft" not in page


def test_the_list_takes_the_same_queries_for_many_events(client, django_assert_max_num_queries):
    for _ in range(3):
        yes_rsvps(EventFactory(capacity=10), 2)
    with django_assert_max_num_queries(4) as few:
        client.get("/events/")
    for _ in range(12):
        yes_rsvps(EventFactory(capacity=10), 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/events/").content.decode()
    assert page.count("8 seats left") == 15


def test_an_event_page_shows_times_in_the_events_zone_with_seats_and_opengraph(client):
    starts = datetime.datetime(2031, 6, 12, 18, 0, tzinfo=datetime.UTC) + datetime.timedelta(hours=7)  # 18:00 PDT
    event = EventFactory(
        title="Pacific evening lecture",
        time_zone="America/Los_Angeles",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=40,
        summary="Rivers of the west coast.",
    )
    yes_rsvps(event, 3)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Thursday 12 June 2031, 18:00 to 20:00 PDT (America/Los_Angeles)" in page
    assert 'datetime="2031-06-13T01:00:00+00:00"' in page
    assert "37 of 40 left" in page
    assert '<meta property="og:title" content="Pacific evening lecture">' in page
    assert f'<meta property="og:url" content="{settings.SITE_URL}{event.get_absolute_url()}">' in page
    assert reverse("events:event-ics", args=[event.slug]) in page


def test_the_description_is_markdown_made_safe(client):
    event = EventFactory(description="**Bring** boots.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    page = client.get(event.get_absolute_url()).content.decode()
    assert "<strong>Bring</strong> boots." in page
    assert "<script>alert(1)" not in page and "javascript:" not in page


def test_a_draft_is_seen_only_by_its_organisers(client):
    organiser = make_organiser()
    draft = EventFactory(status="draft", organisers=[organiser])
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(make_organiser())
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(organiser)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_a_signed_in_member_answers_with_one_press(client, member):
    event = EventFactory()
    client.force_login(member)
    response = client.post(reverse("events:answer", args=[event.slug]), {"answer": "yes"})
    assert response.status_code == 302
    rsvp = RSVP.objects.get(event=event)
    assert rsvp.status == RSVP.Status.YES and rsvp.user == member and rsvp.email == member.email
    assert "You're coming" in client.get(event.get_absolute_url()).content.decode().replace("&#x27;", "'")


def test_the_venue_is_public_and_the_joining_link_is_only_for_yes(client, member):
    event = EventFactory(online_url="https://meet.example.org/room-42")
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Town Hall" in page and "room-42" not in page
    client.force_login(member)
    client.post(reverse("events:answer", args=[event.slug]), {"answer": "maybe"})
    assert "room-42" not in client.get(event.get_absolute_url()).content.decode()
    client.post(reverse("events:answer", args=[event.slug]), {"answer": "yes"})
    assert "https://meet.example.org/room-42" in client.get(event.get_absolute_url()).content.decode()


def test_members_only_events_are_listed_to_everyone(client):
    EventFactory(title="Members forum", visibility="members")
    assert "Members forum" in client.get("/events/").content.decode()


def test_members_only_rsvp_is_offered_to_members_in_good_standing(client, member):
    event = EventFactory(visibility="members")
    client.force_login(member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'name="answer" value="yes"' in page
    client.post(reverse("events:answer", args=[event.slug]), {"answer": "yes"})
    assert RSVP.objects.get(event=event).status == RSVP.Status.YES


def test_a_lapsed_member_is_shown_a_renew_link_and_cannot_say_yes(client, lapsed_member):
    event = EventFactory(visibility="members")
    client.force_login(lapsed_member)
    page = client.get(event.get_absolute_url()).content.decode()
    back = f"{reverse('members:join')}?return_path={event.get_absolute_url()}"
    assert f'href="{back}"' in page and "Renew your membership" in page, "renewing from the event comes back to it"
    assert 'value="yes"' not in page
    response = client.post(reverse("events:answer", args=[event.slug]), {"answer": "yes"}, follow=True)
    assert "Renew your membership to answer" in response.content.decode()
    assert not RSVP.objects.filter(event=event, status=RSVP.Status.YES).exists()


def test_a_visitor_is_asked_to_sign_in_for_a_members_only_event(client):
    event = EventFactory(visibility="members")
    page = client.get(event.get_absolute_url()).content.decode()
    assert "for members in good standing" in page and 'name="email"' not in page
    client.post(reverse("events:answer", args=[event.slug]), {"name": "V", "email": "v@example.org", "answer": "yes"})
    assert not RSVP.objects.filter(event=event).exists()


def test_a_visitors_answer_counts_only_after_the_emailed_link_is_confirmed(client):
    event = EventFactory(capacity=10)
    response = client.post(
        reverse("events:answer", args=[event.slug]),
        {"name": "Vera Visitor", "email": "Vera@Example.org", "answer": "yes"},
    )
    assert response.status_code == 302
    rsvp = RSVP.objects.get(event=event, email="vera@example.org")
    assert rsvp.status == RSVP.Status.INVITED
    assert event.rsvps.filter(status="yes").count() == 0

    [email] = deliveries("event-rsvp-link", to="vera@example.org")
    link = re.search(r"http://\S+/r/(\S+)/\?answer=yes", email.body_text)
    assert link and link.group(1) == rsvp.token
    client.get(f"/r/{rsvp.token}/?answer=yes")
    rsvp.refresh_from_db()
    assert rsvp.status == RSVP.Status.INVITED, "opening the link is not yet confirming"
    client.post(f"/r/{rsvp.token}/", {"answer": "yes"})
    rsvp.refresh_from_db()
    assert rsvp.status == RSVP.Status.YES


def test_a_visitor_cannot_answer_for_someone_else(client):
    event = EventFactory()
    victim = RSVPFactory(event=event, email="ann@example.org")
    answer(victim, "yes")
    client.post(
        reverse("events:answer", args=[event.slug]), {"name": "Mallory", "email": "ann@example.org", "answer": "no"}
    )
    victim.refresh_from_db()
    assert victim.status == RSVP.Status.YES and victim.name != "Mallory"
    assert len(deliveries("event-rsvp-link", to="ann@example.org")) == 1, "only the owner of the inbox can change it"


def test_a_visitor_form_with_a_bad_email_says_so_and_records_nothing(client):
    event = EventFactory()
    response = client.post(
        reverse("events:answer", args=[event.slug]), {"name": "V", "email": "not-an-email", "answer": "yes"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert not RSVP.objects.exists() and deliveries() == []


def test_the_front_page_shows_the_next_events(client):
    EventFactory(title="Next forum")
    EventFactory(title="Draft forum", status="draft")
    page = client.get("/").content.decode()
    assert "Next forum" in page and "Draft forum" not in page


def test_a_full_event_card_invites_a_waitlist(client):
    event = EventFactory(capacity=1, title="Tiny seminar")
    yes_rsvps(event, 1)
    assert "Full: answer yes to join the waitlist" in client.get("/events/").content.decode()


def test_members_and_visitors_pages_never_show_another_persons_answer(client):
    event = EventFactory()
    answer(RSVPFactory(event=event, email="someone@example.org"), "yes")
    client.force_login(make_member())
    page = client.get(event.get_absolute_url()).content.decode()
    assert "someone@example.org" not in page and "Your answer:" not in page


def test_the_front_page_takes_the_same_queries_for_more_events(client, django_assert_max_num_queries):
    EventFactory()
    with django_assert_max_num_queries(5) as few:
        client.get("/")
    for _ in range(5):
        yes_rsvps(EventFactory(), 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/")


def test_visitors_answers_from_one_address_are_limited(client, settings):
    from events.views import public

    event = EventFactory()
    url = reverse("events:answer", args=[event.slug])
    for n in range(public.VISITOR_ANSWERS_PER_HOUR):
        assert client.post(url, {"name": "V", "email": f"v{n}@example.org", "answer": "yes"}).status_code == 302
    response = client.post(url, {"name": "V", "email": "one-more@example.org", "answer": "yes"})
    assert response.status_code == 429
    assert not RSVP.objects.filter(email="one-more@example.org").exists()


def test_visitors_behind_the_proxy_are_limited_each_on_their_own_address(client, settings, monkeypatch):
    from events.views import public

    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(public, "VISITOR_ANSWERS_PER_HOUR", 3)
    event = EventFactory()
    url = reverse("events:answer", args=[event.slug])
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def post(email, client_address):
        form = {"name": "V", "email": email, "answer": "yes"}
        return client.post(url, form, HTTP_X_FORWARDED_FOR=client_address, **proxy).status_code

    assert [post(f"a{n}@example.org", "203.0.113.5") for n in range(4)] == [302, 302, 302, 429]
    assert post("b@example.org", "198.51.100.7") == 302, "another visitor through the same proxy still answers"


def test_the_link_email_does_not_carry_the_name_the_visitor_typed(client):
    event = EventFactory()
    bait = "Your account is frozen, call +1 555 0100"
    form = {"name": bait, "email": "ann@example.org", "answer": "yes"}
    client.post(reverse("events:answer", args=[event.slug]), form)
    [email] = deliveries("event-rsvp-link", to="ann@example.org")
    assert bait not in email.body_text and bait not in email.body_html and bait not in email.subject
    assert email.body_text.startswith("Hello,")
