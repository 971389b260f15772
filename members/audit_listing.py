"""Reading the audit log on the staff pages: the filters of /manage/audit/, each row as a
treasurer reads it (who, what, on what with a link to its page, the changes), and an
object's own recent history for the member and payment pages."""

import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from audit.models import Entry
from config.languages import in_society_language
from members.money import format_money

SYSTEM = "system"
RECENT = 5

# The page of each kind of object the log names: its URL name and the field of the object
# the URL takes ("pk" needs no query; another field is read for the whole page at once;
# None is a list page). Events are named, not imported: events sits above members.
TARGET_PAGES = {
    "members.member": ("members:manage-member", "pk"),
    "members.payment": ("members:manage-payment", "pk"),
    "members.plan": ("members:manage-plan", "pk"),
    "members.membershipterm": ("members:manage-member", "member_id"),
    "members.paymentpromise": ("members:manage-member", "member_id"),
    "members.failedpayment": ("members:manage-member", "member_id"),
    "members.unappliedmoney": ("members:manage-unapplied", None),
    "members.reminderschedule": ("members:manage-reminders", None),
    "events.event": ("events:manage-event", "slug"),
}


def type_key(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


class AuditFilterForm(forms.Form):
    by = forms.ChoiceField(label=gettext_lazy("Person"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    type = forms.ChoiceField(label=gettext_lazy("Kind of object"), required=False)
    q = forms.CharField(required=False)
    id = forms.CharField(required=False, widget=forms.HiddenInput)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = get_user_model().objects.filter(pk__in=Entry.objects.filter(by__isnull=False).values("by"))
        self.fields["by"].choices = [
            ("", _("Anyone")),
            (SYSTEM, _("Societas (automatic)")),
            *((str(user.pk), user.email) for user in staff.order_by("email")),
        ]
        self.fields["action"].choices = [("", _("Any")), *audit.log.actions()]
        # Objects are named in the society's language (audit.log.record), so is the example to search by.
        example = in_society_language(gettext_lazy("Member %(number)s"), number=42)
        self.fields["q"].label = _("Object, e.g. %(example)s") % {"example": example}
        kinds = Entry.objects.exclude(target_type=None).order_by().values_list("target_type", flat=True).distinct()
        types = sorted((ContentType.objects.get_for_id(pk) for pk in kinds), key=lambda t: str(t._meta.verbose_name))
        self.fields["type"].choices = [
            ("", _("Any")),
            *((type_key(t), str(t.model_class()._meta.verbose_name).capitalize()) for t in types if t.model_class()),
        ]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the range is before its start."))
        return data


def _local_midnight(day: datetime.date) -> datetime.datetime:
    """The first moment of `day` in the society's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered(filters: dict):
    """The log, newest first, narrowed by the cleaned filters."""
    entries = Entry.objects.select_related("target_type").order_by("-at", "-id")
    who = filters.get("by")
    if who == SYSTEM:
        entries = entries.filter(by__isnull=True)
    elif who:
        entries = entries.filter(by_id=int(who))
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("type"):
        app_label, model = filters["type"].split(".", 1)
        entries = entries.filter(target_type__app_label=app_label, target_type__model=model)
        if filters.get("id"):
            entries = entries.filter(target_id=filters["id"])
    if filters.get("q"):
        entries = entries.filter(target_label__icontains=filters["q"].strip())
    if filters.get("start"):
        entries = entries.filter(at__gte=_local_midnight(filters["start"]))
    if filters.get("end"):
        entries = entries.filter(at__lt=_local_midnight(filters["end"] + datetime.timedelta(days=1)))
    return entries


def _related_labels(entries: list[Entry]) -> dict:
    """How the log names each object a change points to (a payment's plan): one query per
    kind of object on the page, however many rows."""
    wanted: dict = {}
    for entry in entries:
        for name, pair in (entry.changes or {}).items():
            field = audit.log.changed_field(entry, name)
            if field is not None and field.many_to_one and isinstance(pair, list):
                wanted.setdefault(field.related_model, set()).update(v for v in pair if isinstance(v, int))
    labels = {}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(pk__in=ids):
            labels[(model, obj.pk)] = audit.log.audit_label(obj)
    return labels


def _value(entry: Entry, name: str, value, labels: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value == audit.log.CHANGED:
        return _("(changed)")  # a person's own detail: the log keeps that it changed, not its value
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    field = audit.log.changed_field(entry, name)
    if field is not None and field.many_to_one:
        return labels.get((field.related_model, value), f"#{value}")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if name.endswith("_cents") and isinstance(value, int):
        return format_money(value, settings.CURRENCY)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


def change_lines(entry: Entry, labels: dict | None = None) -> list[tuple[str, str, str]]:
    """Each change as (field, before, after), in words and in the reader's language:
    "amount: $60.00 → $0.00" ("importe: …" for a reader of Spanish)."""
    lines = []
    for name, pair in (entry.changes or {}).items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        lines.append(
            (
                audit.log.field_label(entry, name),
                _value(entry, name, old, labels or {}),
                _value(entry, name, new, labels or {}),
            )
        )
    return lines


def _keys_for_page(entries: list[Entry]) -> dict[tuple[str, str], object]:
    """The URL argument of each object on the page that needs a field other than its key:
    one query per kind of object, however many rows."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.target_type_id is None:
            continue
        page = TARGET_PAGES.get(type_key(entry.target_type))
        if page and page[1] not in ("pk", None):
            wanted.setdefault(type_key(entry.target_type), set()).add(entry.target_id)
    found = {}
    for key, ids in wanted.items():
        model = ContentType.objects.get_by_natural_key(*key.split(".", 1)).model_class()
        if model is None:
            continue
        field = TARGET_PAGES[key][1]
        for pk, value in model._default_manager.filter(pk__in=ids).values_list("pk", field):
            found[(key, str(pk))] = value
    return found


def _target_url(entry: Entry, keys: dict) -> str:
    if entry.target_type_id is None:
        return ""
    key = type_key(entry.target_type)
    page = TARGET_PAGES.get(key)
    if page is None:
        return ""
    name, field = page
    if field is None:
        args = []
    elif field == "pk":
        args = [entry.target_id]
    elif (key, entry.target_id) in keys:
        args = [keys[(key, entry.target_id)]]
    else:
        return ""  # the object is gone
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def rows(entries) -> list[dict]:
    """The entries of one page as the template shows them."""
    entries = list(entries)
    keys, labels = _keys_for_page(entries), _related_labels(entries)
    return [
        {
            "entry": entry,
            "who": entry.by_label or _("Societas (automatic)"),
            "what": audit.log.label_of(entry.action),
            "url": _target_url(entry, keys),
            "changes": change_lines(entry, labels),
        }
        for entry in entries
    ]


def log_url(target) -> str:
    """/manage/audit/ filtered to one object."""
    content_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
    query = urlencode({"type": type_key(content_type), "id": str(target.pk)})
    return f"{reverse('members:manage-audit')}?{query}"


def recent_history(target) -> dict:
    """The last few entries about one object, and the link to all of them."""
    return {"rows": rows(audit.log.history(target).select_related("target_type")[:RECENT]), "url": log_url(target)}
