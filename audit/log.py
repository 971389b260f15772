"""Write and read the audit log.

Every staff action is one function, in the module of its idea, that takes `by=` and
calls `record` inside its own transaction, so the change and its row commit or roll
back together::

    with transaction.atomic():
        before = audit.log.snapshot(member, ("plan", "status"))
        ... change the member ...
        audit.log.record(by, "member.edited", member, changes=audit.log.diff(before, member),
                         reason=reason)

Actions are dotted codes (`payment.recorded`); each app describes its own with
`describe(code, gettext_lazy(label))` so the log's filter reads in words, in the
reader's language (the label is translated when it is shown, never stored). A change
is stored under its field's name and read by the field's verbose name (`field_label`), so
"amount_cents" reads "amount" in English and "importe" in Spanish.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from audit.models import Entry
from config.languages import in_society_language

# A person's own details: an entry says they changed, never what they were or became,
# so closing an account needs nothing of the log. A model adds its own (an answer's
# `name`) with an `audit_personal_fields` attribute.
PERSONAL_FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "full_name",
        "given_name",
        "family_name",
        "address",
        "address_line1",
        "address_line2",
        "city",
        "postcode",
        "postal_code",
        "region",
        "phone",
        "guest_names",
        "note",
        "notes",
    }
)
CHANGED = "(changed)"

_labels: dict[str, Promise | str] = {}


def describe(code: str, label: Promise | str) -> None:
    """Name an action for people reading the log: `label` is marked (gettext_lazy) and
    read in the language of whoever reads the log."""
    _labels[code] = label


def label_of(code: str) -> str:
    """The action's label in the active language (its code if nothing described it)."""
    return str(_labels.get(code, code))


def actions() -> list[tuple[str, str]]:
    """(code, label) of every described action, in the active language, by label."""
    return sorted(((code, str(label)) for code, label in _labels.items()), key=lambda item: _sort_key(item[1]))


def _sort_key(text: str) -> str:
    """As a reader sorts: case and accents aside ("Añadió" among the A's, not after Z)."""
    return "".join(char for char in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(char))


def person_label(user) -> str:
    """Who did it, as the row keeps it: staff by name and address; anyone else (a member
    asking for their own data) by account number, so the log keeps no member's name."""
    if user is None:
        return ""
    if not (user.is_superuser or user.is_staff or user.groups.exists()):
        return in_society_language(gettext_lazy("Account %(number)s (for themselves)"), number=user.pk)
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    email = getattr(user, "email", "") or ""
    if full and email:
        return f"{full} <{email}>"
    return full or email or str(user)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict:
    """The values of `fields` now, to compare with after the change."""
    return {name: _plain(getattr(obj, _attname(obj, name))) for name in fields}


def diff(before: Mapping, after: models.Model | Mapping) -> dict:
    """{field: [before, after]} for the fields of `before` whose value changed."""
    changed = {}
    for name, old in before.items():
        value = after.get(name) if isinstance(after, Mapping) else getattr(after, _attname(after, name))
        new = _plain(value)
        if old != new:
            changed[name] = [old, new]
    return changed


def record(
    by,
    action: str,
    target: models.Model | None = None,
    *,
    changes: Mapping | None = None,
    reason: str = "",
    label: str | None = None,
) -> Entry:
    """Write one audit row. Call it inside the transaction that makes the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.log.record runs inside the transaction of the change it records")
    personal = PERSONAL_FIELDS | frozenset(getattr(target, "audit_personal_fields", ()))
    masked = {}
    for name, pair in (changes or {}).items():
        old, new = pair
        masked[name] = [CHANGED, CHANGED] if name in personal else [_plain(old), _plain(new)]
    entry = Entry(by=by if getattr(by, "pk", None) else None, action=action, changes=masked, reason=reason or "")
    # Who and what are kept in words, written once in the society's language (as minutes
    # are), whatever language the request or worker writing the row was in.
    with translation.override(settings.LANGUAGE_CODE):
        entry.by_label = person_label(by) if getattr(by, "pk", None) else ""
        if target is not None:
            entry.target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
            entry.target_id = str(target.pk)
            entry.target_label = str(label if label is not None else audit_label(target))[:200]
        elif label:
            entry.target_label = str(label)[:200]
    entry.save()
    return entry


def audit_label(obj: models.Model) -> str:
    """How an object is named in the log: its own `audit_label` if it has one (a member's
    says its number, not its name), else the model's name and key."""
    own = getattr(obj, "audit_label", None)
    if own is not None:
        return own() if callable(own) else str(own)
    return f"{obj._meta.verbose_name.capitalize()} {obj.pk}"


def history(target: models.Model):
    """The entries about one object, newest first."""
    return Entry.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
    ).select_related("by")


def changed_field(entry: Entry, name: str) -> models.Field | None:
    """The model field a change of `entry` names, if its object's model has one by that name.
    No query per entry: Django keeps the content types it has read."""
    model = _model_of(entry)
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def field_label(entry: Entry, name: str) -> str:
    """How a reader names a changed field, in the active language: as the model names it for
    the log (its `audit_field_names`, where the form's name says how it is typed, "dues
    (cents)"), else by the field's verbose name; a name that is no field ("roles") in words."""
    own = getattr(_model_of(entry), "audit_field_names", {})
    if name in own:
        return str(own[name])
    verbose = getattr(changed_field(entry, name), "verbose_name", None)  # a reverse relation has none
    if verbose:
        return str(verbose)
    return name.removesuffix("_cents").replace("_", " ")


def _model_of(entry: Entry) -> type[models.Model] | None:
    if entry.target_type_id is None:
        return None
    return ContentType.objects.get_for_id(entry.target_type_id).model_class()


def _attname(obj, name):
    try:
        field = obj._meta.get_field(name)
    except Exception:
        return name
    return getattr(field, "attname", name)


def _plain(value):
    """A value as JSON can keep it."""
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
