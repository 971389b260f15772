import pytest
from django.urls import reverse

from events import checkin
from tests.events.helpers import answer, make_organiser, yes_rsvps
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def _door(event):
    return reverse("events:check-in", args=[event.slug])


def test_the_door_list_has_the_yes_answers_with_their_guests(client, organiser):
    event = EventFactory(organisers=[organiser], guests_allowed=2)
    answer(RSVPFactory(event=event, name="Ada Lovelace"), "yes", guests=2)
    answer(RSVPFactory(event=event, name="Maybe Person"), "maybe")
    client.force_login(organiser)
    page = client.get(_door(event)).content.decode()
    assert "Ada Lovelace" in page and "Maybe Person" not in page
    assert "<strong>0 of 3</strong> people arrived" in page


def test_the_door_list_searches_by_name_or_email(client, organiser):
    event = EventFactory(organisers=[organiser])
    answer(RSVPFactory(event=event, name="Ada Lovelace", email="ada@example.org"), "yes")
    answer(RSVPFactory(event=event, name="Charles Babbage", email="cb@engines.example"), "yes")
    client.force_login(organiser)
    page = client.get(_door(event), {"q": "love"}).content.decode()
    assert "Ada Lovelace" in page and "Charles Babbage" not in page
    page = client.get(_door(event), {"q": "engines"}).content.decode()
    assert "Charles Babbage" in page and "Ada Lovelace" not in page


def test_one_press_marks_arrived_and_another_undoes_it(client, organiser):
    event = EventFactory(organisers=[organiser], guests_allowed=1)
    person = RSVPFactory(event=event, name="Ada Lovelace")
    answer(person, "yes", guests=1)
    client.force_login(organiser)
    mark = reverse("events:check-in-mark", args=[event.slug, person.pk])
    response = client.post(mark, {"q": "ada"})
    assert response.status_code == 302 and response["Location"] == f"{_door(event)}?q=ada#rsvp-{person.pk}"
    person.refresh_from_db()
    assert person.checked_in_at is not None
    assert "<strong>2 of 2</strong> people arrived" in client.get(_door(event)).content.decode()
    client.post(mark, {"undo": "1"})
    person.refresh_from_db()
    assert person.checked_in_at is None


def test_pressing_arrived_twice_keeps_the_first_time(organiser):
    event = EventFactory(organisers=[organiser])
    person = RSVPFactory(event=event)
    answer(person, "yes")
    first = checkin.check_in(event=event, rsvp_id=person.pk, by=organiser).checked_in_at
    assert checkin.check_in(event=event, rsvp_id=person.pk, by=organiser).checked_in_at == first


def test_someone_who_did_not_say_yes_cannot_be_checked_in(organiser):
    event = EventFactory(organisers=[organiser])
    person = RSVPFactory(event=event)
    answer(person, "no")
    with pytest.raises(checkin.CheckInRefused):
        checkin.check_in(event=event, rsvp_id=person.pk, by=organiser)


def test_an_rsvp_of_another_event_cannot_be_checked_in_here(client, organiser):
    mine, other = EventFactory(organisers=[organiser]), EventFactory(organisers=[organiser])
    stranger = RSVPFactory(event=other)
    answer(stranger, "yes")
    client.force_login(organiser)
    client.post(reverse("events:check-in-mark", args=[mine.slug, stranger.pk]))
    stranger.refresh_from_db()
    assert stranger.checked_in_at is None


def test_the_door_list_query_count_is_flat_in_the_number_of_rsvps(client, organiser, django_assert_max_num_queries):
    event = EventFactory(organisers=[organiser], capacity=None)
    yes_rsvps(event, 3)
    client.force_login(organiser)
    with django_assert_max_num_queries(20) as few:
        client.get(_door(event))
    yes_rsvps(event, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(_door(event)).content.decode()
    assert page.count('class="inline-form"') >= 43


def test_the_qr_code_opens_a_page_that_checks_in_with_one_press(client, organiser):
    event = EventFactory(organisers=[organiser])
    person = RSVPFactory(event=event, name="Ada Lovelace")
    answer(person, "yes")
    url = checkin.door_path(person)
    client.force_login(organiser)
    page = client.get(url)
    assert page.status_code == 200 and "Ada Lovelace" in page.content.decode()
    client.head(url)
    person.refresh_from_db()
    assert person.checked_in_at is None, "opening the code changes nothing"
    client.post(url)
    person.refresh_from_db()
    assert person.checked_in_at is not None


def test_a_qr_code_is_404_for_an_organiser_of_other_events_and_403_for_members(client, member):
    event = EventFactory(organisers=[make_organiser()])
    person = RSVPFactory(event=event)
    answer(person, "yes")
    url = checkin.door_path(person)
    client.force_login(make_organiser())
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 403


def test_a_forged_check_in_code_is_404(client, organiser):
    event = EventFactory(organisers=[organiser])
    person = RSVPFactory(event=event)
    answer(person, "yes")
    client.force_login(organiser)
    forged = reverse("events:check-in-code", args=[f"{person.pk}:not-the-signature"])
    assert client.get(forged).status_code == 404
    assert client.post(forged).status_code == 404
