"""Which language each member reads, for the outbox's composers (notifications.languages)."""

from django.db.models.functions import Lower

from members.models import Member


def languages_of_users(user_ids: set[int]) -> dict[int, str]:
    return dict(Member.objects.filter(user_id__in=user_ids).values_list("user_id", "language"))


def languages_of_addresses(addresses: set[str]) -> dict[str, str]:
    """The language of each member whose account uses one of these addresses (lower case)."""
    rows = Member.objects.annotate(address=Lower("user__email")).filter(address__in=addresses)
    return dict(rows.values_list("address", "language"))


def register() -> None:
    from notifications.languages import register_address_language_source, register_language_source

    register_language_source(languages_of_users)
    register_address_language_source(languages_of_addresses)
