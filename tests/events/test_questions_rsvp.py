"""The RSVP forms ask the event's questions: on the event page, on /r/<token>/, and the API."""

import pytest
from django.urls import reverse

from events import question_setup, questions
from events.models import RSVP
from events.question_records import Answer
from tests.events.helpers import answer
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def _ask(event, by=None, **details):
    return question_setup.add_question(event=event, details=details, by=by)


@pytest.fixture
def asking(organiser):
    event = EventFactory(organisers=[organiser], capacity=5)
    diet = _ask(event, text="Dietary needs", kind="one_choice", choices=["None", "Vegetarian", "Other"], required=True)
    club = _ask(event, text="Affiliation", kind="short_text")
    return event, diet, club


def _name(question):
    return questions.field_name(question)


def test_a_member_answers_yes_with_the_questions(client, member, asking):
    event, diet, club = asking
    client.force_login(member)
    data = {"answer": "yes", _name(diet): "Vegetarian", _name(club): "University of Leeds"}
    response = client.post(reverse("events:answer", args=[event.slug]), data)
    assert response.status_code == 302
    mine = RSVP.objects.get(event=event, user=member)
    assert mine.is_yes
    assert questions.answers_for(mine) == {diet.pk: "Vegetarian", club.pk: "University of Leeds"}


def test_a_missing_required_answer_is_refused_and_nothing_is_held(client, member, asking):
    event, _diet, club = asking
    client.force_login(member)
    response = client.post(reverse("events:answer", args=[event.slug]), {"answer": "yes", _name(club): "Leeds"})
    assert response.status_code == 400
    assert "Please answer “Dietary needs”." in response.content.decode()
    assert not RSVP.objects.filter(event=event).exists()
    event.refresh_from_db()
    assert event.seats_taken == 0
    assert not Answer.objects.exists()


def test_a_choice_not_offered_is_refused(client, member, asking):
    event, diet, _club = asking
    client.force_login(member)
    response = client.post(reverse("events:answer", args=[event.slug]), {"answer": "yes", _name(diet): "Steak"})
    assert response.status_code == 400
    assert not RSVP.objects.filter(event=event, status="yes").exists()


def test_a_maybe_or_a_no_is_asked_nothing(client, member, asking):
    event, _diet, _club = asking
    client.force_login(member)
    client.post(reverse("events:answer", args=[event.slug]), {"answer": "maybe"})
    assert RSVP.objects.get(event=event, user=member).status == "maybe"
    assert not Answer.objects.exists()


def test_the_event_page_shows_the_questions_to_a_member(client, member, asking):
    event, _diet, _club = asking
    client.force_login(member)
    page = client.get(reverse("events:detail", args=[event.slug])).content.decode()
    assert "Dietary needs" in page and "Affiliation" in page


def test_the_link_page_asks_the_questions_when_confirming_yes(client, asking):
    event, diet, _club = asking
    person = RSVPFactory(event=event)
    url = reverse("events:rsvp-link", args=[person.token])
    page = client.get(url, {"answer": "yes"}).content.decode()
    assert "Dietary needs" in page
    refused = client.post(url + "?answer=yes", {"answer": "yes"})
    assert refused.status_code == 400
    person.refresh_from_db()
    assert person.status == "invited"
    client.post(url + "?answer=yes", {"answer": "yes", _name(diet): "Other"})
    person.refresh_from_db()
    assert person.is_yes
    assert questions.answers_for(person) == {diet.pk: "Other"}


def test_a_person_changes_their_answers_from_their_link(client, asking):
    event, diet, club = asking
    person = RSVPFactory(event=event)
    questions.respond_with_answers(rsvp_id=person.pk, answer="yes", answers={diet.pk: "None", club.pk: ""})
    url = reverse("events:rsvp-answers", args=[person.token])
    page = client.get(reverse("events:rsvp-link", args=[person.token])).content.decode()
    assert "Your answers to the questions" in page
    assert client.post(url, {_name(diet): "Vegetarian", _name(club): "Leeds"}).status_code == 302
    assert questions.answers_for(person) == {diet.pk: "Vegetarian", club.pk: "Leeds"}
    assert client.post(url, {_name(diet): "", _name(club): "York"}).status_code == 400
    assert questions.answers_for(person) == {diet.pk: "Vegetarian", club.pk: "Leeds"}


def test_changing_answers_is_refused_to_someone_who_said_no(client, asking):
    event, diet, _club = asking
    person = RSVPFactory(event=event)
    answer(person, "no")
    client.post(reverse("events:rsvp-answers", args=[person.token]), {_name(diet): "None"})
    assert not Answer.objects.exists()


def test_a_get_of_the_answers_address_changes_nothing(client, asking):
    event, diet, _club = asking
    person = RSVPFactory(event=event)
    response = client.get(reverse("events:rsvp-answers", args=[person.token]), {_name(diet): "None"})
    assert response.status_code == 405
    assert not Answer.objects.exists()


def test_several_choices_are_kept_and_given_back_as_a_list(organiser):
    event = EventFactory(organisers=[organiser])
    sessions = _ask(event, text="Sessions", kind="choices", choices=["Rivers", "Lakes", "Seas"])
    person = RSVPFactory(event=event)
    questions.save_answers(rsvp=person, answers={sessions.pk: ["Rivers", "Seas"]})
    assert questions.answers_for(person) == {sessions.pk: ["Rivers", "Seas"]}
    assert questions.shown(sessions, ["Rivers", "Seas"]) == "Rivers, Seas"


def test_check_answers_refuses_what_cannot_be_taken(organiser):
    event = EventFactory(organisers=[organiser])
    coming = _ask(event, text="Coming to dinner?", kind="yes_no", required=True)
    note = _ask(event, text="Anything else", kind="long_text")
    with pytest.raises(questions.AnswersRefused) as refused:
        questions.check_answers(event, {coming.pk: "perhaps"})
    assert refused.value.question == coming
    with pytest.raises(questions.AnswersRefused):
        questions.check_answers(event, {coming.pk: "yes", note.pk: "x" * 2001})
    with pytest.raises(questions.AnswersRefused):
        questions.check_answers(event, {coming.pk: "yes", 999999: "stray"})
    questions.check_answers(event, {coming.pk: "no", note.pk: ""})
    assert isinstance(refused.value, questions.RSVPRefused)


def test_the_api_makes_fields_with_a_prefix_for_each_attendee(organiser):
    event = EventFactory(organisers=[organiser])
    club = _ask(event, text="Affiliation", kind="short_text", required=True)
    fields = questions.question_fields(event, prefix="a2-")
    assert list(fields) == [f"a2-question_{club.pk}"]
    assert fields[f"a2-question_{club.pk}"].required
    assert questions.answers_from({f"a2-question_{club.pk}": "Leeds"}, event, prefix="a2-") == {club.pk: "Leeds"}


def test_archived_questions_are_not_asked_and_their_answers_stay(organiser):
    event = EventFactory(organisers=[organiser])
    club = _ask(event, text="Affiliation", kind="short_text")
    person = RSVPFactory(event=event)
    questions.save_answers(rsvp=person, answers={club.pk: "Leeds"})
    question_setup.remove_question(question_id=club.pk, by=organiser)
    event = type(event).objects.get(pk=event.pk)
    assert questions.question_fields(event) == {}
    questions.save_answers(rsvp=person, answers={})
    assert Answer.objects.get(rsvp=person).value == "Leeds"


def test_answers_cannot_change_once_answers_are_closed(asking):
    import datetime

    from django.utils import timezone

    event, diet, _club = asking
    person = RSVPFactory(event=event)
    questions.respond_with_answers(rsvp_id=person.pk, answer="yes", answers={diet.pk: "None"})
    type(event).objects.filter(pk=event.pk).update(rsvp_closes_at=timezone.now() - datetime.timedelta(minutes=1))
    person = RSVP.objects.select_related("event").get(pk=person.pk)
    with pytest.raises(questions.AnswersRefused):
        questions.change_answers(rsvp=person, answers={diet.pk: "Vegetarian"})
    assert questions.answers_for(person) == {diet.pk: "None"}


def test_a_refused_yes_through_the_api_takes_no_seat(asking):
    event, _diet, club = asking
    person = RSVPFactory(event=event)
    with pytest.raises(questions.AnswersRefused):
        questions.respond_with_answers(rsvp_id=person.pk, answer="yes", answers={club.pk: "Leeds"})
    person.refresh_from_db()
    event.refresh_from_db()
    assert (person.status, event.seats_taken) == ("invited", 0)
    assert not Answer.objects.exists()


def test_answers_kept_as_json_with_text_keys_are_taken(organiser):
    import json

    event = EventFactory(organisers=[organiser])
    club = _ask(event, text="Affiliation", kind="short_text", required=True)
    kept = json.loads(json.dumps({club.pk: "Leeds"}))
    questions.check_answers(event, kept)
    person = RSVPFactory(event=event)
    questions.save_answers(rsvp=person, answers=kept)
    assert questions.answers_for(person) == {club.pk: "Leeds"}


def test_the_one_press_yes_on_the_link_page_asks_the_questions_too(client, asking):
    event, diet, _club = asking
    person = RSVPFactory(event=event)
    url = reverse("events:rsvp-link", args=[person.token])
    assert "Dietary needs" in client.get(url).content.decode()
    refused = client.post(url, {"answer": "yes"})
    assert refused.status_code == 400
    assert "Please answer “Dietary needs”." in refused.content.decode()
    client.post(url, {"answer": "yes", _name(diet): "Vegetarian"})
    person.refresh_from_db()
    assert person.is_yes
