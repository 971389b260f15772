"""The language an email is written in: the member's own, found by their account or, for an
email queued to an address alone (a pasted invitation list), by that address."""

from types import SimpleNamespace

import pytest

from notifications.languages import languages_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _row(pk, to, *, user_id=None, language=""):
    return SimpleNamespace(pk=pk, to=to, user_id=user_id, language=language)


def test_an_address_that_is_a_members_gets_the_members_language(settings):
    settings.LANGUAGE_CODE = "en"
    ana = MemberFactory(language="es", user__email="Ana@Example.org")
    rows = [
        _row(1, "ana@example.org", language="en"),  # queued while the organiser read English
        _row(2, "someone@example.net", language="es"),  # a visitor who was reading Spanish
        _row(3, "nobody@example.net"),
        _row(4, "ana@example.org", user_id=ana.user_id),
    ]
    assert languages_for(rows) == {1: "es", 2: "es", 3: "en", 4: "es"}


def test_addresses_are_looked_up_once_per_batch(django_assert_num_queries):
    MemberFactory(language="es", user__email="ana@example.org")
    rows = [_row(n, f"person{n}@example.org") for n in range(20)] + [_row(99, "ana@example.org")]
    with django_assert_num_queries(1):
        assert languages_for(rows)[99] == "es"
