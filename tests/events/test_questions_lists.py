"""Answers to the questions where organisers read them (the answers list and its filter, the
CSV, the door list) and in a person's own download."""

import csv
import io

import pytest
from django.urls import reverse

from events import question_setup, questions, retention
from events.question_records import Answer
from tests.events.helpers import answer, make_organiser
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def _ask(event, by, **details):
    return question_setup.add_question(event=event, details=details, by=by)


@pytest.fixture
def congress(organiser):
    event = EventFactory(organisers=[organiser], capacity=50, title="Congress")
    diet = _ask(event, organiser, text="Dietary needs", kind="one_choice", choices=["None", "Vegan"], on_door_list=True)
    club = _ask(event, organiser, text="Affiliation", kind="short_text")
    ada = RSVPFactory(event=event, name="Ada Lovelace")
    questions.respond_with_answers(rsvp_id=ada.pk, answer="yes", answers={diet.pk: "Vegan", club.pk: "Royal Society"})
    bob = RSVPFactory(event=event, name="Bob Brown")
    questions.respond_with_answers(rsvp_id=bob.pk, answer="yes", answers={diet.pk: "None", club.pk: "Leeds"})
    return event, diet, club, ada, bob


def _rows(page: str) -> str:
    return page.split('id="waitlist"')[1]


def test_the_answers_list_shows_each_question_and_answer(client, organiser, congress):
    event, _diet, _club, _ada, _bob = congress
    client.force_login(organiser)
    page = client.get(reverse("events:manage-rsvps", args=[event.slug])).content.decode()
    assert '<th scope="col">Dietary needs</th>' in page
    assert "<td>Vegan</td>" in page and "<td>Royal Society</td>" in page


def test_the_answers_list_filters_by_a_choice(client, organiser, congress):
    event, diet, _club, _ada, _bob = congress
    client.force_login(organiser)
    page = client.get(reverse("events:manage-rsvps", args=[event.slug]), {"answer": f"{diet.pk}:Vegan"})
    rows = _rows(page.content.decode())
    assert "Ada Lovelace" in rows and "Bob Brown" not in rows


def test_the_answers_list_filters_by_what_a_text_answer_contains(client, organiser, congress):
    event, _diet, club, _ada, _bob = congress
    client.force_login(organiser)
    page = client.get(reverse("events:manage-rsvps", args=[event.slug]), {"question": club.pk, "contains": "leed"})
    rows = _rows(page.content.decode())
    assert "Bob Brown" in rows and "Ada Lovelace" not in rows


def test_an_unknown_filter_is_refused_with_a_message_and_everyone_is_shown(client, organiser, congress):
    event, diet, _club, _ada, _bob = congress
    client.force_login(organiser)
    page = client.get(reverse("events:manage-rsvps", args=[event.slug]), {"answer": f"{diet.pk}:Steak"}).content
    page = page.decode()
    assert "not one of this event" in page
    assert "Ada Lovelace" in _rows(page) and "Bob Brown" in _rows(page)


def test_another_events_question_does_not_filter_this_list(client, organiser, congress):
    event, _diet, _club, _ada, _bob = congress
    other = EventFactory(organisers=[organiser])
    theirs = _ask(other, organiser, text="Other", kind="yes_no")
    client.force_login(organiser)
    page = client.get(reverse("events:manage-rsvps", args=[event.slug]), {"answer": f"{theirs.pk}:yes"})
    assert "Ada Lovelace" in _rows(page.content.decode())


def test_the_answers_list_takes_the_same_queries_with_questions_for_many_people(
    client, organiser, congress, django_assert_max_num_queries
):
    event, diet, club, _ada, _bob = congress
    client.force_login(organiser)
    url = reverse("events:manage-rsvps", args=[event.slug])
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for n in range(20):
        person = RSVPFactory(event=event, name=f"Person {n}")
        questions.respond_with_answers(rsvp_id=person.pk, answer="yes", answers={diet.pk: "None", club.pk: f"C{n}"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "<td>C19</td>" in page


def test_the_csv_has_one_column_per_question(client, organiser, congress):
    event, diet, club, _ada, _bob = congress
    sessions = _ask(event, organiser, text="Sessions", kind="choices", choices=["Rivers", "=Seas"])
    carol = RSVPFactory(event=event, name="Carol")
    questions.respond_with_answers(
        rsvp_id=carol.pk, answer="yes", answers={diet.pk: "None", club.pk: "", sessions.pk: ["Rivers", "=Seas"]}
    )
    client.force_login(organiser)
    response = client.post(reverse("events:manage-rsvps-csv", args=[event.slug]))
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0][-3:] == ["Dietary needs", "Affiliation", "Sessions"]
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["Ada Lovelace"][-3:] == ["Vegan", "Royal Society", ""]
    assert by_name["Carol"][-3:] == ["None", "", "Rivers, =Seas"]


def test_the_csv_keeps_an_archived_questions_answers(client, organiser, congress):
    event, _diet, club, _ada, _bob = congress
    question_setup.remove_question(question_id=club.pk, by=organiser)
    client.force_login(organiser)
    table = list(
        csv.reader(io.StringIO(client.post(reverse("events:manage-rsvps-csv", args=[event.slug])).content.decode()))
    )
    assert table[0][-1] == "Affiliation (archived)"
    assert {row[0]: row[-1] for row in table[1:]}["Bob Brown"] == "Leeds"


def test_the_door_list_shows_only_the_questions_marked_for_it(client, organiser, congress):
    event, _diet, _club, _ada, _bob = congress
    client.force_login(organiser)
    page = client.get(reverse("events:check-in", args=[event.slug])).content.decode()
    assert "Dietary needs" in page and "<td>Vegan</td>" in page
    assert "Affiliation" not in page and "Royal Society" not in page


def test_a_person_finds_their_answers_in_their_own_download(organiser, congress):
    _event, _diet, _club, ada, _bob = congress
    files = retention.export_rsvps(user_id=0, email=ada.email)
    table = list(csv.reader(io.StringIO(files["event_answers.csv"])))
    assert table[0] == retention.ANSWER_COLUMNS
    assert [(row[0], row[2], row[3]) for row in table[1:]] == [
        ("Congress", "Dietary needs", "Vegan"),
        ("Congress", "Affiliation", "Royal Society"),
    ]


def test_anonymising_an_answer_forgets_what_was_said_to_the_questions(congress):
    _event, _diet, _club, ada, bob = congress
    retention.anonymise([ada])
    assert not Answer.objects.filter(rsvp=ada).exists()
    assert Answer.objects.filter(rsvp=bob).count() == 2


def test_an_organiser_of_another_event_sees_no_answers(client, congress):
    event, *_ = congress
    client.force_login(make_organiser())
    assert client.get(reverse("events:manage-rsvps", args=[event.slug])).status_code == 404


def test_a_no_keeps_the_person_off_the_door_list(client, organiser, congress):
    event, _diet, _club, ada, _bob = congress
    answer(ada, "no")
    client.force_login(organiser)
    page = client.get(reverse("events:check-in", args=[event.slug])).content.decode()
    assert "Ada Lovelace" not in page


def test_the_qr_code_page_shows_the_door_list_answers(client, organiser, congress):
    from events import checkin

    _event, _diet, _club, ada, _bob = congress
    client.force_login(organiser)
    ada.refresh_from_db()
    page = client.get(checkin.door_path(ada)).content.decode()
    assert "<dt>Dietary needs</dt><dd>Vegan</dd>" in page
    assert "Royal Society" not in page
