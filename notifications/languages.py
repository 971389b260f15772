"""The language each email is written in.

An email to a member is written in the language on their profile, whether it was queued
for their account or for their address (an invitation to a pasted list of addresses); one
to someone without an account in the language they were reading when it was queued (kept
on the row); anything else in the society's default. notifications does not know where
members keep their language: members registers sources here at ready, `fn(user_ids) ->
{user_id: language}` and `fn(addresses) -> {address, lower case: language}`, each asked
once per batch.
"""

from collections.abc import Callable, Iterable

from django.conf import settings

LanguageSource = Callable[[set[int]], dict[int, str]]
AddressLanguageSource = Callable[[set[str]], dict[str, str]]
language_sources: list[LanguageSource] = []
address_language_sources: list[AddressLanguageSource] = []


def register_language_source(source: LanguageSource) -> None:
    if source not in language_sources:
        language_sources.append(source)


def register_address_language_source(source: AddressLanguageSource) -> None:
    if source not in address_language_sources:
        address_language_sources.append(source)


def offered(code: str) -> bool:
    return bool(code) and code in dict(settings.LANGUAGES)


def languages_for(rows: Iterable) -> dict:
    """{row.pk: language} for rows of the outbox, in one look-up per source."""
    rows = list(rows)
    user_ids = {row.user_id for row in rows if row.user_id}
    addresses = {row.to.lower() for row in rows if not row.user_id and row.to}
    chosen: dict[int, str] = {}
    for source in language_sources if user_ids else ():
        chosen.update(source(user_ids))
    by_address: dict[str, str] = {}
    for source in address_language_sources if addresses else ():
        by_address.update(source(addresses))
    found = {}
    for row in rows:
        account = chosen.get(row.user_id, "") if row.user_id else by_address.get((row.to or "").lower(), "")
        candidates = (account, getattr(row, "language", ""))
        found[row.pk] = next((code for code in candidates if offered(code)), settings.LANGUAGE_CODE)
    return found
