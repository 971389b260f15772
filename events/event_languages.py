"""An event's second language: the organiser writes the title, summary and description in
the language they choose, and may add them again in one other language; a visitor (or the
recipient of an email, composed in their language) reading that language sees those."""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from members.second_language import reads, second_language_field, validate_offered_language  # noqa: F401 - migration 0008 names it here


class SecondLanguage(models.Model):
    second_language = second_language_field(_("Blank: the event is shown in the language it is written in."))
    title_second = models.CharField(_("event name in the second language"), max_length=200, blank=True)
    summary_second = models.CharField(_("summary in the second language"), max_length=300, blank=True)
    description_second = models.TextField(_("description in the second language"), blank=True)

    class Meta:
        abstract = True

    @property
    def shows_second_language(self) -> bool:
        """Whether the person being shown this event reads its second language (and it has
        a title in it: a second language without one shows the event as written)."""
        return bool(self.title_second) and reads(self.second_language)

    @property
    def shown_title(self) -> str:
        return self.title_second if self.shows_second_language else self.title

    @property
    def shown_summary(self) -> str:
        return self.summary_second if self.shows_second_language else self.summary

    @property
    def shown_description(self) -> str:
        return self.description_second if self.shows_second_language else self.description


def ask_in_second_language(form, *, language: str, names: tuple[str, ...]) -> None:
    """Say under each of a form's second-language fields (a ticket type's, a question's) who
    reads it: those reading the event's second language, or nobody until it has one."""
    if language:
        words = _("Shown to people reading %(language)s; leave empty to show the words above.")
        hint = words % {"language": translation.get_language_info(language)["name_translated"]}
    else:
        hint = _("This event has no second language: choose one on the event's page to use this.")
    for name in names:
        form.fields[name].help_text = hint


def check_second_language(form, data: dict, *, language: str, names: tuple[str, ...]) -> None:
    """Refuse words in the event's second language when the event has none."""
    if language:
        return
    for name in names:
        if data.get(name):
            form.add_error(
                name, _("This event has no second language: choose one on the event's page first, or leave this empty.")
            )
