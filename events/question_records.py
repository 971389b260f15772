"""The questions an organiser asks the people who register for an event, and their answers.

A question belongs to one event and is asked of each attendee (one RSVP each). An
answer is kept as text, one row per chosen choice, so that filtering the answers
list by "vegetarian" is one plain comparison on PostgreSQL and SQLite alike (no index
on the text itself: a long answer is longer than a btree entry may be). A
question that has answers is archived, never deleted: it is no longer asked, and
what people answered stays in the lists, the CSV and their own download.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from members.second_language import in_reader_language, reads

# The longest answer to a long-text question, in characters.
LONG_TEXT_MAX = 2000
SHORT_TEXT_MAX = 200
YES, NO = "yes", "no"


class QuestionQuerySet(models.QuerySet):
    def asked(self):
        """The questions people are asked now, in the organiser's order."""
        return self.filter(archived_at__isnull=True).order_by("position", "pk")


class Question(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        ONE_CHOICE = "one_choice", _("One choice")
        CHOICES = "choices", _("Several choices")
        YES_NO = "yes_no", _("Yes or no")

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind of answer"), max_length=12, choices=Kind.choices, default=Kind.SHORT_TEXT)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("hint"), max_length=300, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # The same in the event's second language; the choices line up one for one with `choices`,
    # which stay the answers kept, so lists and filters read the same whoever answered.
    text_second = models.CharField(_("question in the event's second language"), max_length=300, blank=True)
    help_text_second = models.CharField(_("hint in the event's second language"), max_length=300, blank=True)
    choices_second = models.JSONField(_("choices in the event's second language"), default=list, blank=True)
    required = models.BooleanField(_("an answer is required"), default=False)
    on_door_list = models.BooleanField(_("show the answers on the door list"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["event", "archived_at", "position"])]

    def __str__(self):
        return self.text

    def audit_label(self) -> str:
        return _("Question %(number)s to %(event)s") % {"number": self.pk, "event": self.event.title}

    @property
    def has_choices(self) -> bool:
        return self.kind in (self.Kind.ONE_CHOICE, self.Kind.CHOICES)

    @property
    def shown_text(self) -> str:
        return in_reader_language(self.text, self.text_second, self.event.second_language)

    @property
    def shown_help_text(self) -> str:
        return in_reader_language(self.help_text, self.help_text_second, self.event.second_language)

    @property
    def shown_choices(self) -> list[tuple[str, str]]:
        """(answer kept, words shown) for each choice, in the reader's language when it has them all."""
        second = self.choices_second if len(self.choices_second) == len(self.choices) else []
        if second and reads(self.event.second_language):
            return list(zip(self.choices, second, strict=True))
        return [(choice, choice) for choice in self.choices]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def filter_values(self) -> list[str]:
        """The answers the organiser may filter by, or [] for text (filtered by what it contains)."""
        if self.kind == self.Kind.YES_NO:
            return [YES, NO]
        return list(self.choices) if self.has_choices else []


class Answer(models.Model):
    """One attendee's answer to one question: one row per chosen choice."""

    rsvp = models.ForeignKey("events.RSVP", on_delete=models.CASCADE, related_name="question_answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.TextField()
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question__position", "question_id", "pk"]

    def __str__(self):
        return f"{self.question_id}: {self.value[:40]}"
