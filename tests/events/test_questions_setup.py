"""The organiser's registration questions: /manage/events/<slug>/questions/."""

import pytest
from django.urls import reverse

from audit.models import Entry
from events import question_setup, questions
from events.question_records import Question
from tests.events.helpers import make_organiser
from tests.factories import RSVPFactory

pytestmark = pytest.mark.django_db


def _add(client, event, **overrides):
    data = {"text": "Dietary needs", "kind": "one_choice", "choices": "None\nVegetarian\nOther", "required": "on"}
    data.update(overrides)
    return client.post(reverse("events:manage-questions", args=[event.slug]), data)


def test_an_organiser_adds_a_question_with_an_audit_row(client, organiser, event):
    client.force_login(organiser)
    response = _add(client, event, on_door_list="on")
    assert response.status_code == 302
    question = event.questions.get()
    assert (question.kind, question.choices, question.required, question.on_door_list) == (
        "one_choice",
        ["None", "Vegetarian", "Other"],
        True,
        True,
    )
    entry = Entry.objects.get(action="event.question_added")
    assert entry.by == organiser
    page = client.get(reverse("events:manage-questions", args=[event.slug])).content.decode()
    assert "Dietary needs" in page


def test_a_choice_question_needs_two_distinct_choices_and_nothing_is_saved(client, organiser, event):
    client.force_login(organiser)
    assert _add(client, event, choices="Only one").status_code == 400
    assert _add(client, event, choices="Same\nsame").status_code == 400
    assert not event.questions.exists()
    assert not Entry.objects.filter(action="event.question_added").exists()


def test_a_text_question_keeps_no_choices(client, organiser, event):
    client.force_login(organiser)
    _add(client, event, kind="short_text", text="Affiliation", choices="stray", required="")
    question = event.questions.get()
    assert question.choices == [] and not question.required


def test_other_organisers_cannot_see_or_change_the_questions(client, event):
    client.force_login(make_organiser())
    assert client.get(reverse("events:manage-questions", args=[event.slug])).status_code == 404
    assert _add(client, event).status_code == 404
    assert not event.questions.exists()


def test_the_get_of_the_page_changes_nothing(client, organiser, event):
    client.force_login(organiser)
    client.get(reverse("events:manage-questions", args=[event.slug]), {"text": "x", "kind": "short_text"})
    assert not event.questions.exists()


def test_choices_and_flags_are_editable(client, organiser, event):
    question = question_setup.add_question(
        event=event, details={"text": "Diet", "kind": "one_choice", "choices": ["A", "B"]}, by=organiser
    )
    client.force_login(organiser)
    url = reverse("events:manage-question-edit", args=[event.slug, question.pk])
    prefix = f"q{question.pk}-"
    data = {f"{prefix}text": "Diet", f"{prefix}kind": "one_choice", f"{prefix}choices": "A\nB\nC"}
    assert client.post(url, data).status_code == 302
    question.refresh_from_db()
    assert question.choices == ["A", "B", "C"]
    assert Entry.objects.get(action="event.question_edited").changes["choices"] == [["A", "B"], ["A", "B", "C"]]


def test_the_kind_of_an_answered_question_cannot_change(organiser, event):
    question = question_setup.add_question(event=event, details={"text": "Club", "kind": "short_text"}, by=organiser)
    questions.save_answers(rsvp=RSVPFactory(event=event), answers={question.pk: "Rowing"})
    with pytest.raises(question_setup.QuestionRefused):
        question_setup.edit_question(question_id=question.pk, details={"kind": "long_text"}, by=organiser)
    question.refresh_from_db()
    assert question.kind == "short_text"


def test_questions_move_up_and_down(client, organiser, event):
    _first, second = (
        question_setup.add_question(event=event, details={"text": text, "kind": "short_text"}, by=organiser)
        for text in ("First", "Second")
    )
    client.force_login(organiser)
    url = reverse("events:manage-question-move", args=[event.slug, second.pk])
    client.post(url, {"direction": "up"})
    assert [q.text for q in event.questions.asked()] == ["Second", "First"]
    assert Entry.objects.filter(action="event.question_moved", by=organiser).count() == 1


def test_removing_an_unanswered_question_deletes_it(client, organiser, event):
    question = question_setup.add_question(event=event, details={"text": "Club", "kind": "short_text"}, by=organiser)
    client.force_login(organiser)
    client.post(reverse("events:manage-question-remove", args=[event.slug, question.pk]))
    assert not Question.objects.filter(pk=question.pk).exists()
    assert Entry.objects.filter(action="event.question_deleted", by=organiser).exists()


def test_removing_an_answered_question_archives_it_and_keeps_the_answers(client, organiser, event):
    question = question_setup.add_question(event=event, details={"text": "Club", "kind": "short_text"}, by=organiser)
    person = RSVPFactory(event=event)
    questions.save_answers(rsvp=person, answers={question.pk: "Rowing"})
    client.force_login(organiser)
    client.post(reverse("events:manage-question-remove", args=[event.slug, question.pk]))
    question.refresh_from_db()
    assert question.is_archived
    assert question.answers.get().value == "Rowing"
    assert question not in list(event.questions.asked())
    assert Entry.objects.filter(action="event.question_archived", by=organiser).exists()


def test_a_duplicated_event_asks_the_same_questions_and_has_no_answers(organiser, event):
    from events import organising

    diet = question_setup.add_question(
        event=event,
        details={"text": "Diet", "kind": "one_choice", "choices": ["A", "B"], "required": True},
        by=organiser,
    )
    gone = question_setup.add_question(event=event, details={"text": "Gone", "kind": "short_text"}, by=organiser)
    questions.save_answers(rsvp=RSVPFactory(event=event), answers={diet.pk: "A", gone.pk: "x"})
    question_setup.remove_question(question_id=gone.pk, by=organiser)
    copy = organising.duplicate(event_id=event.pk, by=organiser)
    [copied] = copy.questions.asked()
    assert (copied.text, copied.choices, copied.required) == ("Diet", ["A", "B"], True)
    assert not copied.answers.exists()
    assert Entry.objects.get(action="event.duplicated").changes["questions"] == [None, 1]


@pytest.mark.parametrize("name", ["manage-question-edit", "manage-question-move", "manage-question-remove"])
def test_another_organiser_cannot_touch_a_question(client, organiser, event, name):
    question = question_setup.add_question(event=event, details={"text": "Club", "kind": "short_text"}, by=organiser)
    client.force_login(make_organiser())
    assert (
        client.post(reverse(f"events:{name}", args=[event.slug, question.pk]), {"direction": "up"}).status_code == 404
    )
    assert Question.objects.filter(pk=question.pk, archived_at__isnull=True, position=1).exists()


def test_a_question_of_another_event_is_not_found_under_this_one(client, organiser, event):
    from tests.factories import EventFactory

    other = EventFactory(organisers=[organiser])
    theirs = question_setup.add_question(event=other, details={"text": "Club", "kind": "short_text"}, by=organiser)
    client.force_login(organiser)
    assert client.post(reverse("events:manage-question-remove", args=[event.slug, theirs.pk])).status_code == 404
    assert Question.objects.filter(pk=theirs.pk).exists()


def test_an_archived_question_cannot_be_edited(organiser, event):
    question = question_setup.add_question(event=event, details={"text": "Club", "kind": "short_text"}, by=organiser)
    questions.save_answers(rsvp=RSVPFactory(event=event), answers={question.pk: "Rowing"})
    assert question_setup.remove_question(question_id=question.pk, by=organiser) == "archived"
    with pytest.raises(question_setup.QuestionRefused):
        question_setup.edit_question(question_id=question.pk, details={"text": "Changed"}, by=organiser)
