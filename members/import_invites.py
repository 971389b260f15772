"""Inviting imported people to claim their accounts: one email each, sent only when
the treasurer asks, with a link to sign in by a code sent to their address and check
their details on /membership/.

The invitations are a fan-out (notifications.fanout) over the members an import
touched; each email's key names the account, so nobody is invited twice, whichever
import or press asked for it. People who have already signed in are left out.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy

from members.import_records import ImportedMember, MemberImport
from members.links import absolute
from members.models import Member
from notifications import fanout
from notifications.outbox import Notice, Skip, composed_from, register_composer

KIND = "claim-invite"
FAN_OUT_SOURCE = "members.claim-invitations"
BATCH = 500


def job_key(job: MemberImport) -> str:
    return f"claim-invitations:{job.pk}"


def invitation(member: Member) -> Notice:
    return Notice(
        key=f"{KIND}:{member.user_id}", kind=KIND, to=member.user.email, facts={"member": member.pk},
        user_id=member.user_id,
    )  # fmt: skip


def _unclaimed(member: Member) -> bool:
    user = member.user
    return user.is_active and user.last_login is None and not user.has_usable_password() and not member.is_erased


def next_batch(params: dict, *, cursor: str, limit: int) -> fanout.Batch:
    """The next members the import touched, after `cursor`, and the invitations owed."""
    rows = list(
        ImportedMember.objects.filter(job_id=params["job"], pk__gt=int(cursor or 0))
        .select_related("member__user")
        .order_by("pk")[:limit]
    )
    owed = [invitation(row.member) for row in rows if _unclaimed(row.member)]
    next_cursor = str(rows[-1].pk) if rows else cursor
    return fanout.Batch(owed, next_cursor, done=len(rows) < limit, people=len(rows))


def claim_url(member: Member) -> str:
    """Allauth's sign-in by code, with the address filled in (members/account_forms.py)."""
    return absolute(reverse("account_request_login_code")) + "?" + urlencode({"email": member.user.email})


def compose_claim_invite(row):
    member = Member.objects.select_related("user").get(pk=row.facts["member"])
    if not _unclaimed(member):
        raise Skip(gettext_lazy("the person has signed in since the invitation was queued."))
    context = {
        "member": member,
        "claim_url": claim_url(member),
        "membership_url": absolute(reverse("members:membership")),
    }
    return composed_from(row, "members/email/claim_invite", context)


def register() -> None:
    fanout.register_source(FAN_OUT_SOURCE, next_batch, batch_size=BATCH)
    register_composer(KIND, compose_claim_invite)
