"""The language each email is written in.

An email to a member is written in the language on their profile; one to someone
without an account in the language they were reading when it was queued (kept on
the row); anything else in the society's default. notifications does not know
where members keep their language: members registers a source here at ready,
`fn(user_ids) -> {user_id: language}`, asked once per batch.
"""

from collections.abc import Callable, Iterable

from django.conf import settings

LanguageSource = Callable[[set[int]], dict[int, str]]
language_sources: list[LanguageSource] = []


def register_language_source(source: LanguageSource) -> None:
    if source not in language_sources:
        language_sources.append(source)


def offered(code: str) -> bool:
    return bool(code) and code in dict(settings.LANGUAGES)


def languages_for(rows: Iterable) -> dict:
    """{row.pk: language} for rows of the outbox, in one look-up per source."""
    rows = list(rows)
    user_ids = {row.user_id for row in rows if row.user_id}
    chosen: dict[int, str] = {}
    for source in language_sources if user_ids else ():
        chosen.update(source(user_ids))
    found = {}
    for row in rows:
        candidates = (chosen.get(row.user_id, ""), getattr(row, "language", ""))
        found[row.pk] = next((code for code in candidates if offered(code)), settings.LANGUAGE_CODE)
    return found
