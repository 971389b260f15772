"""The treasurer's payment form refuses a date that looks like a typo unless confirmed, with a reason."""

import datetime

import pytest

from members.models import Member, Payment
from notifications.models import Delivery

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def signed_in_treasurer(client, treasurer):
    client.force_login(treasurer)
    return client


def _record(client, member, plan, day, **extra):
    form = {"plan": plan.pk, "method": "cheque", "amount": "60", "received_on": day.isoformat(), **extra}
    return client.post(f"/manage/members/{member.pk}/payments/new/", form)


def test_a_cheque_dated_1990_is_refused_with_the_reason(signed_in_treasurer, member, plan):
    response = _record(signed_in_treasurer, member, plan, datetime.date(1990, 1, 1))
    assert response.status_code == 200
    page = response.content.decode()
    assert "before this member joined" in page and "more than a year ago" in page
    assert "I confirm this date" in page
    assert not Payment.objects.exists()
    assert not Delivery.objects.exists()


def test_a_date_before_the_member_joined_is_refused(signed_in_treasurer, member, plan):
    Member.objects.filter(pk=member.pk).update(created_at=datetime.datetime.now(datetime.UTC))
    response = _record(signed_in_treasurer, member, plan, TODAY - datetime.timedelta(days=30))
    assert "before this member joined" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_confirmed_date_needs_a_reason(signed_in_treasurer, member, plan):
    response = _record(signed_in_treasurer, member, plan, datetime.date(1990, 1, 1), confirm_date="on")
    assert "Say why this date is right" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_confirmed_date_with_a_reason_is_recorded_with_it(signed_in_treasurer, member, plan):
    day = TODAY - datetime.timedelta(days=400)
    response = _record(
        signed_in_treasurer, member, plan, day, confirm_date="on", date_reason="Found in last year's post"
    )
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.received_on, payment.date_confirmation) == (day, "Found in last year's post")


def test_a_payment_dated_in_the_future_is_refused_even_when_confirmed(signed_in_treasurer, member, plan):
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = _record(signed_in_treasurer, member, plan, tomorrow, confirm_date="on", date_reason="Post-dated")
    assert "cannot be in the future" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_confirmed_payment_that_leaves_the_member_lapsed_sends_no_welcome(signed_in_treasurer, member, plan):
    day = TODAY - datetime.timedelta(days=800)
    _record(signed_in_treasurer, member, plan, day, confirm_date="on", date_reason="Old dues, paid late")
    assert Delivery.objects.filter(kind="receipt").exists()
    assert not Delivery.objects.filter(kind="welcome").exists()
