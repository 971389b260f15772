"""A member's own details (name, address, phone, directory listing): changed by staff,
with the audit row, or by the member themselves.

The log says which details changed, never what they were or became: `audit.log.record`
masks a person's own fields, and `PERSONAL` here adds the ones it does not know by name.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy

import audit.log
from members.models import Member
from members.names import sort_name_for, tidy

audit.log.describe("member.edited", gettext_lazy("Changed a member's details"))

DETAIL_FIELDS = (
    "full_name",
    "sort_name",
    "first_name",
    "last_name",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "phone",
    "directory_consent",
    "directory_shows_place",
    "affiliation",
    "interests",
)
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "postal_code", "country")
PERSONAL = frozenset({"sort_name", "affiliation", "interests"})


def _with_names(values: dict) -> dict:
    """A full name given comes with its name to sort by (guessed when left empty)."""
    if "full_name" not in values:
        return values
    full = tidy(values["full_name"])
    return {**values, "full_name": full, "sort_name": sort_name_for(full, values.get("sort_name", ""))}


def _apply(member: Member, values: dict) -> list[str]:
    changed = [name for name in DETAIL_FIELDS if name in values]
    for name in changed:
        setattr(member, name, values[name])
    return changed


def edit_member(*, member: Member, values: dict, by, reason: str = "") -> Member:
    """Change a member's details from already validated `values`, with the audit row."""
    with transaction.atomic():
        saved = Member.objects.select_for_update().get(pk=member.pk)
        before = audit.log.snapshot(saved, DETAIL_FIELDS)
        changed = _apply(saved, _with_names(values))
        saved.save(update_fields=changed or list(DETAIL_FIELDS))
        changes = {
            name: [audit.log.CHANGED, audit.log.CHANGED] if name in PERSONAL else pair
            for name, pair in audit.log.diff(before, saved).items()
        }
        if changes:
            audit.log.record(by, "member.edited", saved, changes=changes, reason=reason)
    return saved


def save_own_details(*, member: Member, values: dict) -> Member:
    """The member's own change of their details (signing up, joining, their membership page)."""
    with transaction.atomic():
        saved = Member.objects.select_for_update().get(pk=member.pk)
        changed = _apply(saved, _with_names(values))
        if changed:
            saved.save(update_fields=changed)
    return saved


def has_address(member: Member) -> bool:
    return bool(member.address_line1.strip() and member.city.strip())
