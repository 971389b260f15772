"""The treasurer's review queue of money we received but did not apply."""

import datetime
from urllib.parse import parse_qs

import pytest
import responses

from members.models import Member, Payment, Standing, UnappliedMoney
from notifications.models import Delivery

pytestmark = pytest.mark.django_db

API = "https://api.stripe.com/v1"


def _item(member, plan, **overrides) -> UnappliedMoney:
    values = {
        "stripe_object_id": "cs_test_OtherSession",
        "stripe_event_type": "checkout.session.completed",
        "stripe_payment_intent_id": "pi_test_Held",
        "member": member,
        "plan": plan,
        "amount_cents": 6000,
        "currency": "USD",
        "received_on": datetime.date.today(),
        "reason": "It came with another Checkout Session.",
    }
    values.update(overrides)
    return UnappliedMoney.objects.create(**values)


def test_queue_lists_open_items_with_apply_and_refund(client, treasurer, member, plan):
    _item(member, plan)
    client.force_login(treasurer)
    response = client.get("/manage/dues/unapplied/")
    assert response.status_code == 200
    assert "It came with another Checkout Session." in response.text
    assert f"Apply to {member.name}" in response.text and "Refund" in response.text


def test_manage_card_shows_the_open_count(client, treasurer, member, plan):
    _item(member, plan)
    client.force_login(treasurer)
    assert "1 payment we received but did not apply" in client.get("/manage/").text


def test_queue_is_for_treasurers_only(client, organiser, member, plan):
    item = _item(member, plan)
    client.force_login(organiser)
    assert client.get("/manage/dues/unapplied/").status_code == 403
    assert client.post(f"/manage/dues/unapplied/{item.pk}/apply/").status_code == 403
    item.refresh_from_db()
    assert item.is_open


def test_apply_is_a_post_only(client, treasurer, member, plan):
    item = _item(member, plan)
    client.force_login(treasurer)
    assert client.get(f"/manage/dues/unapplied/{item.pk}/apply/").status_code == 405
    assert not Payment.objects.exists()


def test_apply_records_the_payment_as_a_good_event_would(client, treasurer, member, plan):
    item = _item(member, plan)
    client.force_login(treasurer)
    response = client.post(f"/manage/dues/unapplied/{item.pk}/apply/")
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.method, payment.amount_cents, payment.stripe_checkout_session_id) == (
        Payment.Method.CARD,
        6000,
        "cs_test_OtherSession",
    )
    assert Member.objects.get(pk=member.pk).standing() == Standing.ACTIVE
    assert Delivery.objects.filter(key=f"welcome:{member.pk}").exists()
    item.refresh_from_db()
    assert (item.status, item.payment, item.settled_by) == (UnappliedMoney.Status.APPLIED, payment, treasurer)


def test_apply_twice_records_one_payment(client, treasurer, member, plan):
    item = _item(member, plan)
    client.force_login(treasurer)
    client.post(f"/manage/dues/unapplied/{item.pk}/apply/")
    client.post(f"/manage/dues/unapplied/{item.pk}/apply/")
    assert Payment.objects.count() == 1


def test_refund_asks_stripe_and_grants_nothing(client, treasurer, member, plan, stripe_keys):
    item = _item(member, plan)
    client.force_login(treasurer)
    with responses.RequestsMock() as stripe_api:
        stripe_api.post(f"{API}/refunds", json={"id": "re_test_1", "object": "refund", "amount": 6000})
        client.post(f"/manage/dues/unapplied/{item.pk}/refund/")
        body = {key: values[0] for key, values in parse_qs(stripe_api.calls[0].request.body).items()}
    assert (body["payment_intent"], body["amount"]) == ("pi_test_Held", "6000")
    item.refresh_from_db()
    assert item.status == UnappliedMoney.Status.REFUNDED
    assert not Payment.objects.exists()


def test_a_refund_stripe_refuses_leaves_the_item_open(client, treasurer, member, plan, stripe_keys):
    item = _item(member, plan)
    client.force_login(treasurer)
    with responses.RequestsMock() as stripe_api:
        error = {"error": {"type": "invalid_request_error", "message": "Charge already refunded."}}
        stripe_api.post(f"{API}/refunds", status=400, json=error)
        response = client.post(f"/manage/dues/unapplied/{item.pk}/refund/", follow=True)
    assert "Stripe did not refund" in response.text
    item.refresh_from_db()
    assert item.is_open


def test_stripe_api_base_points_the_client_at_another_server(client, treasurer, member, plan, stripe_keys, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    item = _item(member, plan)
    client.force_login(treasurer)
    with responses.RequestsMock() as stripe_api:
        stripe_api.post("http://127.0.0.1:8420/v1/refunds", json={"id": "re_test_1", "object": "refund"})
        client.post(f"/manage/dues/unapplied/{item.pk}/refund/")
        assert len(stripe_api.calls) == 1


def test_held_money_is_listed_in_the_admin(client, member, plan):
    from tests.factories import UserFactory

    _item(member, plan)
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.get("/admin/members/unappliedmoney/")
    assert response.status_code == 200 and "cs_test_OtherSession" in response.text


def test_a_refusal_older_than_a_week_no_longer_shows_on_manage(client, treasurer):
    from django.utils import timezone

    from members.models import RefusedWebhook

    refused = RefusedWebhook.objects.create(event_id="evt_test_old", type="invoice.paid", api_version="2024-06-20")
    RefusedWebhook.objects.filter(pk=refused.pk).update(received_at=timezone.now() - datetime.timedelta(days=8))
    client.force_login(treasurer)
    assert "Configuration problem" not in client.get("/manage/").text


def _queries_for_the_queue(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/manage/dues/unapplied/").status_code == 200
    return len(queries)


def test_queue_page_queries_do_not_grow_with_the_items(client, treasurer, plan):
    from tests.factories import MemberFactory

    client.force_login(treasurer)
    _item(MemberFactory(), plan, stripe_object_id="in_test_first")
    one = _queries_for_the_queue(client)
    for n in range(4):
        _item(MemberFactory(), plan, stripe_object_id=f"in_test_{n}")
    assert _queries_for_the_queue(client) == one
