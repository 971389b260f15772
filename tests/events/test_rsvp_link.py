"""/r/<token>/: the page an invitation's Yes / Maybe / No links open."""

import pytest
from django.urls import reverse

from events.models import RSVP
from tests.events.helpers import answer, deliveries, make_member
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db

ANSWER_QUERIES = ["", "?answer=yes", "?answer=maybe", "?answer=no", "?answer=yes&guests=1", "?answer=bogus"]


def _state(rsvp):
    rsvp.refresh_from_db()
    return (rsvp.status, rsvp.guests, rsvp.answered_at, rsvp.revision)


@pytest.mark.parametrize("query", ANSWER_QUERIES)
@pytest.mark.parametrize("method", ["get", "head"])
def test_get_and_head_show_the_page_and_change_nothing(client, method, query):
    person = RSVPFactory(event=EventFactory(guests_allowed=2))
    before = _state(person)
    response = getattr(client, method)(f"/r/{person.token}/{query}")
    assert response.status_code == 200
    assert _state(person) == before
    assert deliveries() == []


@pytest.mark.parametrize("query", ANSWER_QUERIES)
def test_get_on_an_answered_rsvp_changes_nothing(client, query):
    person = RSVPFactory(event=EventFactory())
    answer(person, "yes")
    before = _state(person)
    client.get(f"/r/{person.token}/{query}")
    client.head(f"/r/{person.token}/{query}")
    assert _state(person) == before
    assert len(deliveries()) == 1


def test_the_page_shows_the_answer_chosen_with_one_button(client):
    person = RSVPFactory(event=EventFactory(title="Spring forum on soil"))
    page = client.get(f"/r/{person.token}/?answer=maybe").content.decode()
    assert "Spring forum on soil" in page
    assert "Confirm: maybe" in page
    assert page.split("<main", 1)[1].split("</main>", 1)[0].count("<button") == 1  # the footer has its language menu


def test_post_records_the_answer_and_comes_back_to_the_page(client):
    person = RSVPFactory(event=EventFactory(guests_allowed=2))
    response = client.post(f"/r/{person.token}/", {"answer": "yes", "guests": "2"})
    assert response.status_code == 302 and response["Location"] == f"/r/{person.token}/"
    person.refresh_from_db()
    assert person.status == RSVP.Status.YES and person.guests == 2
    page = client.get(response["Location"]).content.decode()
    assert "You&#x27;re coming" in page or "You're coming" in page


def test_the_same_link_changes_the_answer_later_and_cancels(client):
    person = RSVPFactory(event=EventFactory())
    client.post(f"/r/{person.token}/", {"answer": "yes"})
    client.post(f"/r/{person.token}/", {"answer": "no"})
    person.refresh_from_db()
    assert person.status == RSVP.Status.NO


def test_the_joining_link_shows_only_once_the_answer_is_yes(client):
    event = EventFactory(online_url="https://meet.example.org/secret-room")
    person = RSVPFactory(event=event)
    assert "secret-room" not in client.get(f"/r/{person.token}/?answer=yes").content.decode()
    client.post(f"/r/{person.token}/", {"answer": "maybe"})
    assert "secret-room" not in client.get(f"/r/{person.token}/").content.decode()
    client.post(f"/r/{person.token}/", {"answer": "yes"})
    page = client.get(f"/r/{person.token}/").content.decode()
    assert "https://meet.example.org/secret-room" in page
    assert "<svg" in page, "the check-in QR code is on the page"


@pytest.mark.parametrize(
    ("venue_name", "venue_address", "shown"),
    [
        ("Old Library", "", "<strong>Old Library</strong></p>"),
        ("", "1 Market Square\nSpringfield", "<p>1 Market Square<br>Springfield</p>"),
        (
            "Old Library",
            "1 Market Square\nSpringfield",
            "<strong>Old Library</strong><br>1 Market Square<br>Springfield",
        ),
    ],
)
def test_a_yes_sees_the_venue_it_has_name_or_address_each_on_its_own_line(client, venue_name, venue_address, shown):
    person = RSVPFactory(event=EventFactory(venue_name=venue_name, venue_address=venue_address, online_url=""))
    client.post(f"/r/{person.token}/", {"answer": "yes"})
    page = client.get(f"/r/{person.token}/").content.decode()
    coming = page.split('id="coming-heading"', 1)[1].split("</section>", 1)[0]
    assert shown in coming


def test_a_refused_answer_says_why_and_changes_nothing(client):
    person = RSVPFactory(event=EventFactory(status="cancelled"))
    response = client.post(f"/r/{person.token}/", {"answer": "yes"}, follow=True)
    assert "cancelled" in response.content.decode()
    person.refresh_from_db()
    assert person.status == RSVP.Status.INVITED


def test_a_lapsed_member_is_shown_a_renew_link_instead_of_the_button(client):
    lapsed = make_member(lapsed=True)
    person = RSVPFactory(event=EventFactory(visibility="members"), email=lapsed.email, user=lapsed)
    page = client.get(f"/r/{person.token}/?answer=yes").content.decode()
    assert reverse("members:membership") in page and "Renew" in page
    assert "Confirm: yes" not in page


@pytest.mark.parametrize("method", ["get", "head", "post"])
def test_an_unknown_token_is_a_plain_404(client, method):
    RSVPFactory()
    response = getattr(client, method)("/r/not-a-real-token-at-all-but-of-a-plausible-length-xx/")
    assert response.status_code == 404


def test_an_unknown_token_does_the_work_of_a_known_one(client):
    """So that response times do not tell which tokens exist: the page is rendered, then discarded."""
    known = RSVPFactory()
    forged = known.token[:-4] + ("aaaa" if not known.token.endswith("aaaa") else "bbbb")
    response = client.get(f"/r/{forged}/?answer=yes")
    assert response.status_code == 404
    assert "events/rsvp_link.html" in [t.name for t in response.templates]
    assert known.event.title.encode() not in response.content


def test_a_token_answers_only_for_its_own_event(client):
    mine = RSVPFactory(event=EventFactory())
    other_event = EventFactory()
    client.post(f"/r/{mine.token}/", {"answer": "yes"})
    assert not other_event.rsvps.exists()
    mine.refresh_from_db()
    assert mine.event_id != other_event.pk and mine.status == RSVP.Status.YES


def test_the_personal_calendar_file_carries_the_joining_link_once_yes(client):
    event = EventFactory(online_url="https://meet.example.org/secret-room", venue_name="", venue_address="")
    person = RSVPFactory(event=event)
    assert b"secret-room" not in client.get(f"/r/{person.token}/event.ics").content
    answer(person, "yes")
    assert b"secret-room" in client.get(f"/r/{person.token}/event.ics").content
