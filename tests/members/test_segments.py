"""Announcement segments go only to accounts whose owner confirmed the address."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from members import segments
from tests.factories import MemberFactory, TermFactory

pytestmark = pytest.mark.django_db


def _confirmed(member, verified=True):
    EmailAddress.objects.create(user=member.user, email=member.email, verified=verified, primary=True)
    return member


def test_everyone_means_everyone_with_a_confirmed_address():
    confirmed = _confirmed(MemberFactory())
    unconfirmed = _confirmed(MemberFactory(), verified=False)
    never_asked = MemberFactory()
    emails = {r.email for r in segments.segment_recipients("everyone")}
    assert confirmed.email in emails
    assert unconfirmed.email not in emails and never_asked.email not in emails


def test_a_confirmed_extra_address_does_not_count_for_the_login_address():
    member = MemberFactory()
    EmailAddress.objects.create(user=member.user, email="other@example.org", verified=True, primary=False)
    assert [r.email for r in segments.segment_recipients("everyone")] == []


def test_members_in_good_standing_with_an_unconfirmed_address_are_left_out():
    today = timezone.localdate()
    term = {"start": today - datetime.timedelta(days=10), "end": today + datetime.timedelta(days=355)}
    confirmed = _confirmed(TermFactory(**term).member)
    _confirmed(TermFactory(**term).member, verified=False)
    assert [r.email for r in segments.segment_recipients("good-standing")] == [confirmed.email]
