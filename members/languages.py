"""Which language each member reads, for the outbox's composers (notifications.languages)."""

from members.models import Member


def languages_of_users(user_ids: set[int]) -> dict[int, str]:
    return dict(Member.objects.filter(user_id__in=user_ids).values_list("user_id", "language"))


def register() -> None:
    from notifications.languages import register_language_source

    register_language_source(languages_of_users)
