"""Staff roles from the pages: /manage/roles/ (superusers only) lists who holds Organiser
and Treasurer, gives a role to an existing account and takes one away, each with its
audit row; refusals say why and change nothing."""

import pytest
from django.contrib.auth.models import Group

from audit.models import Entry
from members import roles
from tests.factories import MemberFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/manage/roles/"


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_superuser=True, is_staff=True)


def _held(user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def test_granting_a_role_records_the_roles_before_and_after(superuser, treasurer):
    user = roles.grant_role(email="TREASURER@example.org", role=roles.ORGANISER, by=superuser)
    assert _held(user) == [roles.ORGANISER, roles.TREASURER]
    [entry] = Entry.objects.filter(action="role.granted")
    assert entry.by == superuser
    assert (entry.target_type.model, entry.target_id) == ("member", str(user.member.pk))
    assert entry.changes == {"roles": [[roles.TREASURER], [roles.ORGANISER, roles.TREASURER]]}
    assert "treasurer@example.org" not in entry.target_label


def test_removing_a_role_records_it(superuser, treasurer):
    roles.remove_role(user=treasurer, role=roles.TREASURER, by=superuser)
    assert _held(treasurer) == []
    [entry] = Entry.objects.filter(action="role.removed")
    assert entry.changes == {"roles": [[roles.TREASURER], []]}


def test_an_unknown_email_is_refused(superuser):
    with pytest.raises(roles.RoleError, match=r"No account uses nobody@example\.org"):
        roles.grant_role(email="nobody@example.org", role=roles.TREASURER, by=superuser)
    assert not Entry.objects.exists()


def test_granting_a_role_already_held_is_refused(superuser, treasurer):
    with pytest.raises(roles.RoleError, match="already Treasurer"):
        roles.grant_role(email=treasurer.email, role=roles.TREASURER, by=superuser)
    assert not Entry.objects.exists()


def test_nobody_removes_their_own_last_staff_role(treasurer):
    with pytest.raises(roles.RoleError, match="your own last staff role"):
        roles.remove_role(user=treasurer, role=roles.TREASURER, by=treasurer)
    assert _held(treasurer) == [roles.TREASURER]
    assert not Entry.objects.exists()


def test_one_of_two_own_roles_can_go(db):
    both = StaffFactory(role=roles.TREASURER)
    both.groups.add(Group.objects.get_or_create(name=roles.ORGANISER)[0])
    roles.remove_role(user=both, role=roles.ORGANISER, by=both)
    assert _held(both) == [roles.TREASURER]


def test_the_page_is_for_superusers_only(client, treasurer, organiser, member):
    assert client.get(URL).status_code == 302
    for person in (treasurer, organiser, member.user):
        client.force_login(person)
        assert client.get(URL).status_code == 403
        assert client.post(f"{URL}grant/", {"email": member.email, "role": roles.TREASURER}).status_code == 403
    assert _held(member.user) == []


def test_the_page_lists_who_holds_each_role(client, superuser, treasurer, organiser):
    client.force_login(superuser)
    page = client.get(URL).text
    assert "treasurer@example.org" in page and "organiser@example.org" in page
    assert "Remove Treasurer" in page and "Remove Organiser" in page
    assert "root@example.org" in page, "superusers are named as holding every role"


def test_giving_a_role_from_the_page(client, superuser, member):
    client.force_login(superuser)
    response = client.post(f"{URL}grant/", {"email": member.email, "role": roles.ORGANISER}, follow=True)
    assert "ann@example.org is now Organiser." in response.text
    assert _held(member.user) == [roles.ORGANISER]
    assert Entry.objects.get().action == "role.granted"


def test_a_refusal_on_the_page_says_why(client, superuser):
    client.force_login(superuser)
    response = client.post(f"{URL}grant/", {"email": "nobody@example.org", "role": roles.ORGANISER}, follow=True)
    assert "No account uses nobody@example.org" in response.text
    response = client.post(f"{URL}grant/", {"email": "not an address", "role": "Sheriff"}, follow=True)
    assert "Enter the email address of an account and choose a role." in response.text
    assert not Entry.objects.exists()


def test_removing_a_role_from_the_page(client, superuser, treasurer):
    client.force_login(superuser)
    response = client.post(f"{URL}{treasurer.pk}/remove/", {"role": roles.TREASURER}, follow=True)
    assert "treasurer@example.org is no longer Treasurer." in response.text
    assert _held(treasurer) == []


def test_a_get_changes_no_role(client, superuser, treasurer):
    client.force_login(superuser)
    assert client.get(f"{URL}{treasurer.pk}/remove/").status_code == 405
    assert _held(treasurer) == [roles.TREASURER]


def test_the_page_takes_the_same_queries_for_many_holders(client, superuser, django_assert_max_num_queries):
    client.force_login(superuser)
    StaffFactory(role=roles.TREASURER)
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for _ in range(8):
        MemberFactory(user=StaffFactory(role=roles.ORGANISER, member=False))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).status_code == 200


def test_manage_links_to_roles_for_superusers_and_to_the_log_for_treasurers(client, superuser, treasurer):
    client.force_login(superuser)
    page = client.get("/manage/").text
    assert 'href="/manage/roles/"' in page and 'href="/manage/audit/"' in page
    client.force_login(treasurer)
    page = client.get("/manage/").text
    assert 'href="/manage/roles/"' not in page and 'href="/manage/audit/"' in page
