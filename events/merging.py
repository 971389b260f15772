"""Events' part of merging two records of one person (members/merge_parts.py): their
answers to events move to the account kept.

An answer to an event the kept account has not answered takes the kept account and its
address. Where both records answered the same event, both answers stay as they are
(the seats they hold are real) and the merged one moves to the kept account, so that
person's download and closing their account find it.
"""

from django.db.models import Q

from events.models import RSVP, CalendarFeed
from members import merge_parts


def move_rsvps(*, from_user_id: int, from_email: str, to_user_id: int, to_email: str) -> int:
    to_email, from_email = to_email.lower(), from_email.lower()
    kept_events = set(RSVP.objects.filter(Q(user_id=to_user_id) | Q(email=to_email)).values_list("event_id", flat=True))
    theirs = RSVP.objects.filter(Q(user_id=from_user_id) | Q(email=from_email)).select_for_update()
    moved = 0
    for rsvp in theirs:
        if rsvp.event_id in kept_events:
            rsvp.user_id = to_user_id
            rsvp.save(update_fields=["user"])
        else:
            rsvp.user_id, rsvp.email = to_user_id, to_email
            rsvp.save(update_fields=["user", "email"])
            kept_events.add(rsvp.event_id)
        moved += 1
    # The merged account's private calendar feed showed its answers: they are the kept account's now.
    CalendarFeed.objects.filter(user_id=from_user_id).delete()
    return moved


def register() -> None:
    merge_parts.register_part("events", move=move_rsvps)
