"""An event's second language: the organiser writes the title, summary and description in
the language they choose, and may add them again in one other language; a visitor (or the
recipient of an email, composed in their language) reading that language sees those."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def validate_offered_language(code: str) -> None:
    if code and code not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose one of the languages the society offers."))


class SecondLanguage(models.Model):
    second_language = models.CharField(
        _("second language"),
        max_length=10,
        blank=True,
        validators=[validate_offered_language],
        help_text=_("Blank: the event is shown in the language it is written in."),
    )
    title_second = models.CharField(_("event name in the second language"), max_length=200, blank=True)
    summary_second = models.CharField(_("summary in the second language"), max_length=300, blank=True)
    description_second = models.TextField(_("description in the second language"), blank=True)

    class Meta:
        abstract = True

    @property
    def shows_second_language(self) -> bool:
        """Whether the person being shown this event reads its second language (and it has
        a title in it: a second language without one shows the event as written)."""
        return bool(self.second_language and self.title_second) and translation.get_language() == self.second_language

    @property
    def shown_title(self) -> str:
        return self.title_second if self.shows_second_language else self.title

    @property
    def shown_summary(self) -> str:
        return self.summary_second if self.shows_second_language else self.summary

    @property
    def shown_description(self) -> str:
        return self.description_second if self.shows_second_language else self.description
