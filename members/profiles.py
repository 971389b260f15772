"""Staff changing a member's own details (name, address, phone, directory listing).

The log says which details changed, never what they were or became: `audit.log.record`
masks a person's own fields, and `PERSONAL` here adds the ones it does not know by name.
"""

from django.db import transaction

import audit.log
from members.models import Member

audit.log.describe("member.edited", "Changed a member's details")

DETAIL_FIELDS = (
    "first_name",
    "last_name",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "phone",
    "directory_consent",
)
PERSONAL = frozenset({"postal_code"})


def edit_member(*, member: Member, values: dict, by, reason: str = "") -> Member:
    """Change a member's details from already validated `values`, with the audit row."""
    with transaction.atomic():
        saved = Member.objects.select_for_update().get(pk=member.pk)
        before = audit.log.snapshot(saved, DETAIL_FIELDS)
        for name in DETAIL_FIELDS:
            if name in values:
                setattr(saved, name, values[name])
        saved.save(update_fields=list(DETAIL_FIELDS))
        changes = {
            name: [audit.log.CHANGED, audit.log.CHANGED] if name in PERSONAL else pair
            for name, pair in audit.log.diff(before, saved).items()
        }
        if changes:
            audit.log.record(by, "member.edited", saved, changes=changes, reason=reason)
    return saved
