"""The society's own words in a second language: a plan's name and description, and (in
events) an event's texts, its ticket types and its questions, written once in the language
they were made in and, if the society chooses, again in one other language it offers.

Whoever is shown them (a visitor on a page, or the recipient of an email, composed in
their language under `translation.override`) and reads that other language sees the second
words; everyone else, or anyone when a second word is missing, sees the first.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def validate_offered_language(code: str) -> None:
    if code and code not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose one of the languages the society offers."))


def reads(language: str) -> bool:
    """Whether the person being shown something now reads `language`."""
    return bool(language) and translation.get_language() == language


def in_reader_language(first: str, second: str, language: str) -> str:
    """`second` for a reader of `language` when there is one, else `first`."""
    return second if second and reads(language) else first


# A plan's fields in its second language, as the plan form shows them and `save_plan` logs them.
SECOND_LANGUAGE_FIELDS = ("second_language", "name_second", "description_second")


def offer_second_language(form, help_text: str = "") -> None:
    """Let a form's `second_language` be chosen among the languages offered; a society
    offering one language is not asked, and its form keeps none of the second fields."""
    if len(settings.LANGUAGES) < 2:
        for name in SECOND_LANGUAGE_FIELDS:
            form.fields.pop(name, None)
        return
    form.fields["second_language"] = forms.ChoiceField(
        label=_("Second language"),
        required=False,
        choices=[("", _("None: one language only")), *settings.LANGUAGES],
        help_text=help_text,
    )


def second_language_field(help_text) -> models.CharField:
    """Which offered language a thing's second words are in (blank: it has none)."""
    return models.CharField(
        _("second language"), max_length=10, blank=True, validators=[validate_offered_language], help_text=help_text
    )


class PlanSecondLanguage(models.Model):
    """A plan's name and description again in one other language. Each plan says which
    language that is (as an event does), so a society offering three languages can
    still choose, and the treasurer sees on the form what the second words are for."""

    second_language = second_language_field(
        _("People reading the site (and their emails) in this language see the name below.")
    )
    name_second = models.CharField(_("name in the second language"), max_length=100, blank=True)
    description_second = models.TextField(_("description in the second language"), blank=True)

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.second_language and not self.name_second.strip():
            raise ValidationError(
                {"name_second": gettext("Give the plan its name in the second language, or choose none.")}
            )
        if not self.second_language and (self.name_second or self.description_second):
            raise ValidationError(
                {"second_language": gettext("Choose which language these second texts are written in.")}
            )

    @property
    def shown_name(self) -> str:
        return in_reader_language(self.name, self.name_second, self.second_language)

    @property
    def shown_description(self) -> str:
        return in_reader_language(self.description, self.description_second, self.second_language)
