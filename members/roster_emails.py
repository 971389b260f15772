"""The emails of staff keeping the roster by hand: the welcome of a member added by a
treasurer, and the notice of a change of email address (to the old address and the new).

Queued in the change's transaction (members/roster_edit.py), composed in a mail worker
from the member as they are then.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from members.links import absolute
from members.models import Member
from notifications.outbox import Notice, Skip, composed_from, queue_notice, register_composer

TEMPLATES = "members/roster/email/"


def queue_added_welcome(member: Member) -> bool:
    """'You are a member': sent once, only when the treasurer chose to email them."""
    notice = Notice(
        key=f"member-added:{member.pk}",
        kind="member-added",
        to=member.user.email,
        facts={"member": member.pk},
        user_id=member.user_id,
    )
    return queue_notice(notice)


def queue_email_changed(member: Member, *, old: str, change_id: int) -> int:
    """Tell the old address and the new one that the account's address changed; the key
    names the change (its audit entry), never the addresses."""
    notices = [
        Notice(
            key=f"email-changed:{member.pk}:{change_id}:{which}",
            kind="email-changed",
            to=to,
            facts={"member": member.pk, "to_old_address": which == "old"},
            user_id=member.user_id,
        )
        for which, to in (("old", old), ("new", member.user.email))
    ]
    return sum(queue_notice(notice) for notice in notices)


def masked_address(email: str) -> str:
    """Enough of an address for its owner to know it, not enough to give it away: v…a@example.net."""
    local, _, domain = email.partition("@")
    shown = local[0] + "…" + local[-1] if len(local) > 2 else local[:1] + "…"
    return f"{shown}@{domain}"


def _member(row) -> Member:
    member = Member.objects.select_related("user").get(pk=row.facts["member"])
    if member.is_erased or member.merged_into_id:
        raise Skip(gettext_lazy("the member's record was closed or merged before this email went out."))
    return member


def compose_added_welcome(row):
    member = _member(row)
    context = {
        "member": member,
        "sign_in_url": absolute(reverse("account_request_login_code")),
        "membership_url": absolute(reverse("members:membership")),
    }
    return composed_from(row, TEMPLATES + "member_added", context)


def compose_email_changed(row):
    member = _member(row)
    context = {
        "member": member,
        "to_old_address": row.facts.get("to_old_address", False),
        "new_address": masked_address(member.user.email),
        "membership_url": absolute(reverse("members:membership")),
    }
    return composed_from(row, TEMPLATES + "email_changed", context)


def register() -> None:
    register_composer("member-added", compose_added_welcome)
    register_composer("email-changed", compose_email_changed)
