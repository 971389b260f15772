"""Accounts: every user has a Member profile."""

from members.models import Member


def ensure_member(user) -> Member:
    """The user's Member profile, created if this is a new account."""
    member, _ = Member.objects.get_or_create(user=user)
    return member
