"""What an organiser does to an event's questions: add, edit, reorder, remove.

Each change is one function taking `by=` that writes its audit row in its transaction.
Removing a question nobody answered deletes it; a question with answers is archived
instead: it is no longer asked, and the answers given stay where organisers and the
people who gave them can read them.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from events.models import Event
from events.question_records import Question
from events.rsvp import RSVPRefused

FIELDS = (
    "text",
    "kind",
    "help_text",
    "choices",
    "required",
    "on_door_list",
    "text_second",
    "help_text_second",
    "choices_second",
)

audit.log.describe("event.question_added", gettext_lazy("Added a registration question"))
audit.log.describe("event.question_edited", gettext_lazy("Edited a registration question"))
audit.log.describe("event.question_moved", gettext_lazy("Moved a registration question"))
audit.log.describe("event.question_deleted", gettext_lazy("Deleted a registration question nobody had answered"))
audit.log.describe("event.question_archived", gettext_lazy("Archived a registration question (its answers are kept)"))


class QuestionRefused(RSVPRefused):
    """A change to a question that cannot be made; the message says why."""


def add_question(*, event: Event, details: dict, by) -> Question:
    """Ask a new question, after the event's others."""
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()  # positions are counted one at a time
        last = event.questions.aggregate(last=Max("position"))["last"]
        question = Question.objects.create(event=event, position=(last or 0) + 1, **_only(details))
        changes = {name: [None, getattr(question, name)] for name in FIELDS}
        audit.log.record(by, "event.question_added", question, changes=changes)
    return question


def edit_question(*, question_id: int, details: dict, by) -> Question:
    """Change a question's wording, choices or flags. Its kind cannot change once it has
    answers (they would no longer mean what was asked)."""
    with transaction.atomic():
        question = Question.objects.select_for_update().select_related("event").get(pk=question_id)
        if question.is_archived:
            raise QuestionRefused(_("This question is archived: it can no longer be changed."), code="archived")
        details = _only(details)
        if details.get("kind", question.kind) != question.kind and question.answers.exists():
            raise QuestionRefused(
                _("People have answered this question, so its kind cannot change. Add a new question instead."),
                code="kind",
            )
        before = audit.log.snapshot(question, FIELDS)
        for name, value in details.items():
            setattr(question, name, value)
        question.save()
        audit.log.record(by, "event.question_edited", question, changes=audit.log.diff(before, question))
    return question


def move_question(*, question_id: int, up: bool, by) -> Question:
    """Swap a question with the one before (up) or after it among those asked."""
    with transaction.atomic():
        question = Question.objects.select_related("event").get(pk=question_id)
        Event.objects.select_for_update().filter(pk=question.event_id).first()
        order = list(Question.objects.filter(event_id=question.event_id).asked())
        at = next(i for i, other in enumerate(order) if other.pk == question.pk)
        to = at - 1 if up else at + 1
        if 0 <= to < len(order):
            order[at], order[to] = order[to], order[at]
            for position, other in enumerate(order, start=1):
                other.position = position
            Question.objects.bulk_update(order, ["position"])
            changes = {"position": [at + 1, to + 1]}
            audit.log.record(by, "event.question_moved", question, changes=changes)
    return question


def remove_question(*, question_id: int, by) -> str:
    """Delete a question nobody answered ("deleted"), or archive one with answers ("archived")."""
    with transaction.atomic():
        question = Question.objects.select_for_update().select_related("event").get(pk=question_id)
        if question.is_archived:
            return "archived"
        if question.answers.exists():
            question.archived_at = timezone.now()
            question.save(update_fields=["archived_at"])
            audit.log.record(
                by, "event.question_archived", question, changes={"archived_at": [None, question.archived_at]}
            )
            return "archived"
        audit.log.record(by, "event.question_deleted", question, changes={"text": [question.text, None]})
        question.delete()
        return "deleted"


def copy_questions(*, source: Event, to: Event) -> int:
    """Ask `to` the questions `source` asks now (a duplicated event); how many were copied.
    Runs in the duplication's transaction, whose audit row counts them."""
    copies = [
        Question(event=to, position=position, **{name: getattr(question, name) for name in FIELDS})
        for position, question in enumerate(source.questions.asked(), start=1)
    ]
    Question.objects.bulk_create(copies)
    return len(copies)


def _only(details: dict) -> dict:
    return {name: value for name, value in details.items() if name in FIELDS}
