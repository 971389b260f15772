"""The members' directory: consenting members in good standing, shown to members in good
standing only, with what each chose to show; consent given and withdrawn on /membership/."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, TermFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _in_good_standing(**fields):
    member = MemberFactory(**fields)
    TermFactory(member=member, start=TODAY - datetime.timedelta(days=30))
    return member


def _lapsed(**fields):
    member = MemberFactory(**fields)
    TermFactory(member=member, start=TODAY - datetime.timedelta(days=800))
    return member


@pytest.fixture
def reader(db):
    return _in_good_standing(full_name="Rita Reader", user__email="rita@example.org")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/directory/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/directory/")


@pytest.mark.parametrize("make", [_lapsed, MemberFactory], ids=["lapsed", "never-paid"])
def test_members_not_in_good_standing_are_told_it_is_for_members(client, make):
    _in_good_standing(full_name="Listed Person", directory_consent=True)
    client.force_login(make().user)
    response = client.get("/directory/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only members in good standing can see who is listed." in page and "Listed Person" not in page
    assert 'href="/directory/"' not in page, "no directory link in their menu"


def test_the_directory_lists_consenting_members_in_good_standing_with_what_they_show(client, reader):
    _in_good_standing(
        full_name="Vera van der Berg",
        sort_name="Berg",
        directory_consent=True,
        directory_shows_place=True,
        city="Bergen",
        country="Norway",
        affiliation="University of Bergen",
        interests="Medieval trade routes",
    )
    _in_good_standing(full_name="Hidden Place", directory_consent=True, city="Secretville", country="Nowhere")
    _in_good_standing(full_name="Not Consenting", directory_consent=False)
    _lapsed(full_name="Lapsed Consenting", directory_consent=True)
    _in_good_standing(full_name="Gone Person", directory_consent=True, erased_at=timezone.now())
    client.force_login(reader.user)
    page = client.get("/directory/").content.decode()
    assert "Vera van der Berg" in page and "Bergen, Norway" in page
    assert "University of Bergen" in page and "Medieval trade routes" in page
    assert "Hidden Place" in page and "Secretville" not in page and "Nowhere" not in page
    assert "Not Consenting" not in page and "Lapsed Consenting" not in page and "Gone Person" not in page
    assert "Rita Reader" not in page, "the reader has not consented"
    assert 'href="/directory/" aria-current="page"' in page, "the menu links to it"


def test_search_by_name_and_by_place_never_finds_a_hidden_place(client, reader):
    _in_good_standing(full_name="Ada Lovelace", directory_consent=True, directory_shows_place=True, city="London")
    _in_good_standing(full_name="Alan Turing", directory_consent=True, city="London")
    _in_good_standing(full_name="Astrid Lindgren", directory_consent=True, directory_shows_place=True, country="Sweden")
    client.force_login(reader.user)
    by_name = client.get("/directory/", {"name": "lovelace"}).content.decode()
    assert "Ada Lovelace" in by_name and "Alan Turing" not in by_name
    by_place = client.get("/directory/", {"place": "london"}).content.decode()
    assert "Ada Lovelace" in by_place and "Alan Turing" not in by_place, "Alan keeps his city to himself"
    assert "Astrid Lindgren" in client.get("/directory/", {"place": "swed"}).content.decode()
    assert "Nobody listed matches." in client.get("/directory/", {"name": "nobody"}).content.decode()


def test_the_directory_is_sorted_by_sort_name_and_paginated_in_a_fixed_number_of_queries(
    client, reader, django_assert_max_num_queries
):
    for n in range(45):
        _in_good_standing(full_name=f"Person {n:02d} Zed", sort_name=f"Zed {n:02d}", directory_consent=True)
    _in_good_standing(full_name="Aaron Aardvark", sort_name="Aardvark", directory_consent=True)
    client.force_login(reader.user)
    client.get("/directory/")  # the session and the user are read once
    with django_assert_max_num_queries(6):
        response = client.get("/directory/")
    names = [person.name for person in response.context["page"]]
    assert len(names) == 30 and names[0] == "Aaron Aardvark" and names[1] == "Person 00 Zed"
    assert "Page 1 of 2 (46 in all)" in response.content.decode()
    with django_assert_max_num_queries(6):
        second = client.get("/directory/", {"page": 2})
    assert len(second.context["page"]) == 16


def test_consent_is_given_and_withdrawn_on_the_membership_page_at_once(client, reader):
    client.force_login(reader.user)
    page = client.get("/membership/").content.decode()
    assert "List me in the members&#x27; directory" in page and "You are not listed." in page
    form = {"directory_consent": "on", "directory_shows_place": "on", "affiliation": "Bristol Uni", "interests": "Maps"}
    response = client.post("/membership/directory/", form, follow=True)
    assert "Your directory listing is saved." in response.content.decode()
    reader.refresh_from_db()
    assert (reader.directory_consent, reader.directory_shows_place, reader.affiliation) == (True, True, "Bristol Uni")

    other = _in_good_standing(full_name="Otto Other")
    client.force_login(other.user)
    assert "Rita Reader" in client.get("/directory/").content.decode()

    client.force_login(reader.user)
    response = client.post("/membership/directory/", {"affiliation": "Bristol Uni"}, follow=True)
    assert "You are not listed in the members&#x27; directory." in response.content.decode()
    client.force_login(other.user)
    assert "Rita Reader" not in client.get("/directory/").content.decode(), "withdrawn at once"


def test_changing_the_listing_needs_a_signed_in_post(client, reader):
    assert client.post("/membership/directory/", {"directory_consent": "on"}).status_code == 302
    client.force_login(reader.user)
    assert client.get("/membership/directory/").status_code == 405
    reader.refresh_from_db()
    assert not reader.directory_consent
