"""Door helpers: people an event's organisers name to check attendees in at its door.

A helper opens that event's door list (and the check-in pages its QR codes lead to)
and nothing else under /manage/. Which events is `Event.door_helpers`; the
"Door helper" group (members.roles.DOOR_HELPER) says that someone helps at any door
at all, so the site shows them its Manage link without a query on every page. Both
change here, together.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from events.models import Event
from members.roles import DOOR_HELPER

audit.log.describe("event.door_helper_added", gettext_lazy("Named a door helper for an event"))
audit.log.describe("event.door_helper_removed", gettext_lazy("Removed a door helper from an event"))


class DoorHelperRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def add_door_helper(*, event: Event, email: str, by):
    """Let the person with this account check people in at this event's door."""
    address = email.strip()
    person = get_user_model().objects.filter(email__iexact=address, is_active=True).first()
    if person is None:
        raise DoorHelperRefused(
            _("No account uses %(address)s. Ask them to sign up with that address first, then add them.")
            % {"address": address}
        )
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        before = _helper_ids(event)
        if person.pk in before:
            raise DoorHelperRefused(_("%(address)s is already a door helper for this event.") % {"address": address})
        if event.organisers.filter(pk=person.pk).exists():
            raise DoorHelperRefused(
                _("%(address)s organises this event, so they can check people in already.") % {"address": address}
            )
        event.door_helpers.add(person)
        person.groups.add(Group.objects.get_or_create(name=DOOR_HELPER)[0])
        changes = {"door_helpers": [before, _helper_ids(event)]}
        audit.log.record(by, "event.door_helper_added", event, changes=changes)
    return person


def remove_door_helper(*, event: Event, user, by) -> None:
    """Take back a helper's access to this event's door; the role goes with their last event."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        before = _helper_ids(event)
        if user.pk not in before:
            raise DoorHelperRefused(_("That person is not a door helper for this event."))
        event.door_helpers.remove(user)
        if not user.door_events.exists():
            user.groups.remove(*Group.objects.filter(name=DOOR_HELPER))
        changes = {"door_helpers": [before, _helper_ids(event)]}
        audit.log.record(by, "event.door_helper_removed", event, changes=changes)


def helpers_of(event: Event):
    """The event's door helpers, with the names the page shows. One query."""
    return event.door_helpers.select_related("member").order_by("email")


def _helper_ids(event: Event) -> list[int]:
    return sorted(event.door_helpers.values_list("pk", flat=True))
