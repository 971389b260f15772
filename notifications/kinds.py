"""What each kind of email is called, for staff reading the outbox.

A kind is an internal code ("event-yes", "renewal-reminder"); the app that sends it
names it in words here, from its AppConfig.ready(), as it registers its composer.
A name ending in "-" covers every kind that starts with it: "account-" named "Account
email" reads "Account email: login code" for "account-login_code"."""

from django.utils.translation import gettext_lazy as _

_labels: dict[str, str] = {}


def describe_kind(kind: str, label: str) -> None:
    _labels[kind] = label


def kind_label(kind: str) -> str:
    """The kind in words; one nobody described reads as its code, tidied."""
    if kind in _labels:
        return _labels[kind]
    prefixes = [prefix for prefix in _labels if prefix.endswith("-") and kind.startswith(prefix)]
    if prefixes:
        prefix = max(prefixes, key=len)
        return f"{_labels[prefix]}: {_tidy(kind[len(prefix) :]).lower()}"
    return _tidy(kind)


def _tidy(code: str) -> str:
    return code.replace("-", " ").replace("_", " ").strip().capitalize()


def kind_choices(kinds) -> list[tuple[str, str]]:
    """(kind, label) for these kinds, in the order of their labels."""
    return sorted(((kind, kind_label(kind)) for kind in kinds), key=lambda pair: (pair[1].lower(), pair[0]))


# The two kinds of message staff write. An announcement is optional mail: it honours
# people's choices (newsletters, invitations) and carries an unsubscribe link. An
# operational message is what an attendee needs to attend (the room changed, bring
# your ticket): like a receipt it reaches everyone in its audience whatever they chose,
# and offers no unsubscribe link, since there is nothing to unsubscribe from.
ANNOUNCEMENT = "announcement"
OPERATIONAL = "operational-message"
MESSAGE_KINDS = (ANNOUNCEMENT, OPERATIONAL)
OPERATIONAL_KINDS = frozenset({OPERATIONAL})


def is_operational(kind: str) -> bool:
    """Whether mail of this kind goes to everyone it is for, whatever their email choices."""
    return kind in OPERATIONAL_KINDS


describe_kind(ANNOUNCEMENT, _("Announcement or message to attendees"))
describe_kind(OPERATIONAL, _("Operational message to attendees"))
