"""The members' directory: members in good standing who consent to be listed, shown to
other members in good standing only, with what each chose to show (city and country,
affiliation, interests).

Consent is the member's own, given and withdrawn on /membership/; withdrawing takes
them out of the directory at once (the page is read from the database each time).
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from members.models import Member, MembershipTerm, sort_key
from members.names import tidy

LISTING_FIELDS = ("directory_consent", "directory_shows_place", "affiliation", "interests")


def nav_facts(user) -> dict:
    """What the menu needs to know of a signed-in person, in one query cached on the user:
    whether they have ever been a member (they see "Membership", not "Join"), and whether
    they may browse the directory (a member in good standing)."""
    if not getattr(user, "is_authenticated", False):
        return {"member": False, "directory": False}
    if not hasattr(user, "_societas_nav"):
        today = timezone.localdate()
        good = MembershipTerm.objects.in_good_standing(on=today).filter(member=OuterRef("pk"))
        paid = MembershipTerm.objects.effective().filter(member=OuterRef("pk"))
        row = (
            Member.objects.filter(user=user)
            .annotate(good=Exists(good), paid=Exists(paid))
            .values("good", "paid", "erased_at")
            .first()
        )
        row = row or {"good": False, "paid": False, "erased_at": None}
        user._societas_nav = {"member": row["paid"], "directory": row["good"] and row["erased_at"] is None}
    return user._societas_nav


def may_browse(user) -> bool:
    """A signed-in member in good standing (asked once per request: cached on the user)."""
    return nav_facts(user)["directory"]


def listed():
    """Everyone the directory shows: consenting members in good standing, by name."""
    today = timezone.localdate()
    return (
        Member.objects.in_good_standing(on=today)
        .filter(directory_consent=True, erased_at__isnull=True, merged_into__isnull=True, user__is_active=True)
        .order_by(sort_key(), "full_name", "first_name", "pk")
        .only(*LISTING_FIELDS, "full_name", "first_name", "last_name", "city", "country", "erased_at")
    )


def search(*, name: str = "", place: str = ""):
    """The listing, narrowed to names holding every word of `name` and to places (city
    or country) holding every word of `place`. A place is searched only where its member
    chose to show it: a hidden city is never found."""
    members = listed()
    for word in tidy(name).split():
        members = members.filter(
            Q(full_name__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
    words = tidy(place).split()
    if words:
        members = members.filter(directory_shows_place=True)
    for word in words:
        members = members.filter(Q(city__icontains=word) | Q(country__icontains=word))
    return members


def set_listing(*, member: Member, values: dict) -> Member:
    """The member's own choice of whether and how they are listed (already validated)."""
    with transaction.atomic():
        saved = Member.objects.select_for_update().get(pk=member.pk)
        for name in LISTING_FIELDS:
            if name in values:
                setattr(saved, name, values[name])
        saved.save(update_fields=[name for name in LISTING_FIELDS if name in values])
    return saved
