"""An event's reminder times as organisers write them ('7d 1d 2h') and as people read them."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

OFFSET = re.compile(r"^(\d{1,3})([dhm])$")
OFFSET_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offsets(text: str) -> list[tuple[str, datetime.timedelta]]:
    """'7d 1d 2h' as [(label, timedelta)], longest first, duplicates dropped."""
    offsets = {}
    for word in text.replace(",", " ").split():
        match = OFFSET.match(word.strip().lower())
        if not match or int(match.group(1)) == 0:
            raise ValidationError(
                _(
                    "%(word)r is not a reminder time. Write numbers with d (days), h (hours) or m (minutes), "
                    "for example: 7d 1d 2h."
                )
                % {"word": word}
            )
        amount, unit = int(match.group(1)), match.group(2)
        offsets[f"{amount}{unit}"] = datetime.timedelta(**{OFFSET_UNITS[unit]: amount})
    return sorted(offsets.items(), key=lambda item: item[1], reverse=True)


def offsets_in_words(offsets: list[tuple[str, datetime.timedelta]]) -> str:
    """[("7d", ...), ("1d", ...), ("2h", ...)] as '7 days, 1 day and 2 hours'."""
    nouns = {
        "d": lambda n: ngettext("%(count)d day", "%(count)d days", n),
        "h": lambda n: ngettext("%(count)d hour", "%(count)d hours", n),
        "m": lambda n: ngettext("%(count)d minute", "%(count)d minutes", n),
    }
    words = [nouns[label[-1]](int(label[:-1])) % {"count": int(label[:-1])} for label, _ in offsets]
    if len(words) < 2:
        return "".join(words)
    return gettext("%(earlier)s and %(last)s") % {"earlier": ", ".join(words[:-1]), "last": words[-1]}


def validate_offsets(text: str) -> None:
    parse_offsets(text)
