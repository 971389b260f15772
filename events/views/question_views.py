"""The organiser's page of an event's registration questions: /manage/events/<slug>/questions/."""

from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events import question_setup
from events.question_forms import QuestionForm
from events.question_records import Question
from events.views.access import get_event_for_organiser
from members.roles import ORGANISER, role_required

organiser_only = role_required(ORGANISER)


def _question(event, question_id: int) -> Question:
    return get_object_or_404(Question.objects.select_related("event"), event=event, pk=question_id)


def _page(request, event, *, form=None, status=200):
    questions = list(event.questions.all().order_by(F("archived_at").asc(nulls_first=True), "position", "pk"))
    context = {
        "event": event,
        "asked": [q for q in questions if not q.is_archived],
        "archived": [q for q in questions if q.is_archived],
        "form": form or QuestionForm(event=event),
    }
    return render(request, "events/manage/questions.html", context, status=status)


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def questions_page(request, slug):
    """The questions, in the order they are asked, and a form to add one."""
    event = get_event_for_organiser(request.user, slug)
    if request.method != "POST":
        return _page(request, event)
    form = QuestionForm(request.POST, event=event)
    if not form.is_valid():
        return _page(request, event, form=form, status=400)
    question_setup.add_question(event=event, details=form.cleaned_data, by=request.user)
    messages.success(request, _("The question is added: people registering are asked it from now on."))
    return redirect("events:manage-questions", slug=event.slug)


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def question_edit(request, slug, question_id):
    event = get_event_for_organiser(request.user, slug)
    question = _question(event, question_id)
    form = QuestionForm.for_question(question, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            question_setup.edit_question(question_id=question.pk, details=form.cleaned_data, by=request.user)
        except question_setup.QuestionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Your changes to the question are saved."))
            return redirect("events:manage-questions", slug=event.slug)
    status = 400 if request.method == "POST" else 200
    context = {"event": event, "question": question, "form": form}
    return render(request, "events/manage/question_edit.html", context, status=status)


@organiser_only
@require_POST
def question_move(request, slug, question_id):
    event = get_event_for_organiser(request.user, slug)
    question = _question(event, question_id)
    question_setup.move_question(question_id=question.pk, up=request.POST.get("direction") == "up", by=request.user)
    return redirect("events:manage-questions", slug=event.slug)


@organiser_only
@require_POST
def question_remove(request, slug, question_id):
    event = get_event_for_organiser(request.user, slug)
    question = _question(event, question_id)
    if question_setup.remove_question(question_id=question.pk, by=request.user) == "deleted":
        messages.success(request, _("The question is deleted: nobody had answered it."))
    else:
        messages.success(
            request,
            _("The question is archived: it is no longer asked, and the answers already given are kept."),
        )
    return redirect("events:manage-questions", slug=event.slug)
