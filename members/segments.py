"""Who an announcement can go to, as members sees it: offered to notifications."""

from collections.abc import Iterator

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Member
from notifications.registry import Recipient

SEGMENTS = {
    "good-standing": _("Members in good standing"),
    "lapsed": _("Lapsed members"),
    "everyone": _("Everyone with a confirmed account"),
}


def segment_choices() -> list[tuple[str, str]]:
    return list(SEGMENTS.items())


def segment_members(key: str):
    today = timezone.localdate()
    if key == "good-standing":
        return Member.objects.in_good_standing(on=today)
    if key == "lapsed":
        return Member.objects.lapsed(on=today)
    if key == "everyone":
        return Member.objects.all()
    raise ValueError(f"There is no member segment called {key!r}.")


def _confirmed_address():
    """The account's login address has been confirmed by its owner. Anyone can sign up
    with someone else's address; until it is confirmed, the society writes only to ask."""
    confirmed = EmailAddress.objects.filter(user_id=OuterRef("user_id"), email=OuterRef("user__email"), verified=True)
    return Exists(confirmed)


def segment_recipients(key: str, *, after: int = 0) -> Iterator[Recipient]:
    """Each active, confirmed account in the segment once, in the order of its member's id
    (the fan-out's cursor), streamed so 20,000 members stay cheap."""
    rows = (
        segment_members(key)
        .filter(_confirmed_address(), user__is_active=True, pk__gt=after)
        .order_by("pk")
        .values_list("pk", "user__email", "full_name", "first_name", "last_name", "user_id")
    )
    for pk, email, full_name, first_name, last_name, user_id in rows.iterator(chunk_size=2000):
        name = full_name or f"{first_name} {last_name}".strip()
        yield Recipient(email=email, name=name, user_id=user_id, cursor=pk)
