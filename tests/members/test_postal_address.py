"""A member's postal address is printed line by line, as on an envelope."""

import pytest
from django.urls import reverse

from members.models import Member
from members.roles import TREASURER
from tests.factories import MemberFactory, UserFactory


def test_the_address_reads_as_lines_with_blanks_left_out():
    member = Member(address_line1="12 Demo Road", address_line2="", postal_code="12345", city="Springfield",
                    country="United States")  # fmt: skip
    assert member.postal_lines == ["12 Demo Road", "12345 Springfield", "United States"]
    assert Member().postal_lines == []


@pytest.mark.django_db
def test_the_treasurers_page_separates_the_lines(client):
    from django.contrib.auth.models import Group

    member = MemberFactory(address_line1="12 Demo Road", address_line2="Flat 3", postal_code="12345",
                           city="Springfield", country="United States")  # fmt: skip
    treasurer = UserFactory()
    treasurer.groups.add(Group.objects.get_or_create(name=TREASURER)[0])
    client.force_login(treasurer)
    page = client.get(reverse("members:manage-member", args=[member.pk])).content.decode()
    assert "12 Demo Road<br>Flat 3<br>12345 Springfield<br>United States" in page
