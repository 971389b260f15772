"""The webhook grants a term only for the money that was asked; anything else is held
for the treasurer, answered 2xx, and never granted or dropped."""

import time

import pytest

from members.models import Member, Payment, RefusedWebhook, Standing, UnappliedMoney
from tests.factories import MemberFactory, PlanFactory
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db

DAY = 86400
CUSTOMER = "cus_test_Q1w2E3r4T5y6"
SUBSCRIPTION = "sub_test_1PqRsTuVwXyZ"


@pytest.fixture
def customer_member(member):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id=CUSTOMER, stripe_subscription_id=SUBSCRIPTION)
    member.refresh_from_db()
    return member


def _invoice(checkout, **overrides):
    now = int(time.time())
    invoice = sp.invoice(
        customer=overrides.pop("customer", CUSTOMER),
        subscription=overrides.pop("subscription", SUBSCRIPTION),
        meta=sp.metadata(checkout),
        amount=overrides.pop("amount", checkout.amount_cents),
        period_start=now,
        period_end=now + 365 * DAY,
        billing_reason=overrides.pop("billing_reason", "subscription_cycle"),
    )
    invoice.update(overrides)
    return invoice


def _held(response) -> UnappliedMoney:
    assert response.status_code == 200, response.content
    assert not Payment.objects.exists()
    return UnappliedMoney.objects.get()


def test_invoice_from_an_unrelated_customer_and_subscription_is_held_not_granted(
    client, customer_member, plan, make_checkout
):
    checkout = make_checkout(customer_member, plan)
    invoice = _invoice(checkout, customer="cus_test_Stranger", subscription="sub_test_Other", amount=1, currency="jpy")
    item = _held(sp.post(client, sp.event("invoice.paid", invoice)))
    assert item.member == customer_member and item.is_open
    assert (item.amount_cents, item.currency) == (1, "JPY")
    assert "cus_test_Stranger" in item.reason
    assert customer_member.standing() == Standing.PENDING


def test_invoice_for_another_subscription_of_the_member_is_held(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    item = _held(sp.post(client, sp.event("invoice.paid", _invoice(checkout, subscription="sub_test_Other"))))
    assert "sub_test_Other" in item.reason


def test_invoice_for_a_reason_that_does_not_renew_is_held(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    item = _held(sp.post(client, sp.event("invoice.paid", _invoice(checkout, billing_reason="manual"))))
    assert "manual" in item.reason


def test_invoice_for_less_than_the_plan_is_held(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    item = _held(sp.post(client, sp.event("invoice.paid", _invoice(checkout, amount=100))))
    assert "$1.00" in item.reason and "$60.00" in item.reason


def test_invoice_in_another_currency_is_held(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    _held(sp.post(client, sp.event("invoice.paid", _invoice(checkout, currency="eur"))))


def test_member_named_in_metadata_does_not_win_over_the_paying_customer(client, customer_member, plan, make_checkout):
    other = MemberFactory(stripe_customer_id="cus_test_Payer")
    checkout = make_checkout(customer_member, plan)
    item = _held(sp.post(client, sp.event("invoice.paid", _invoice(checkout, customer="cus_test_Payer"))))
    assert item.member == customer_member
    assert other.standing() == Standing.PENDING and customer_member.standing() == Standing.PENDING


def test_a_repeat_of_a_wrong_invoice_is_held_once(client, customer_member, plan, make_checkout):
    invoice = _invoice(make_checkout(customer_member, plan), amount=1)
    sp.post(client, sp.event("invoice.paid", invoice))
    response = sp.post(client, sp.event("invoice.paid", invoice))
    assert response.status_code == 200
    assert UnappliedMoney.objects.count() == 1


def test_the_right_invoice_still_renews(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    response = sp.post(client, sp.event("invoice.paid", _invoice(checkout)))
    assert response.status_code == 200
    assert Payment.objects.get().amount_cents == 6000
    assert not UnappliedMoney.objects.exists()


def test_checkout_completed_by_another_session_is_held(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan, amount_cents=1000)
    session = sp.checkout_session(checkout, customer=CUSTOMER)
    session.update(id="cs_test_SomeOtherSession", amount_total=1, currency="eur")
    item = _held(sp.post(client, sp.event("checkout.session.completed", session)))
    assert item.stripe_object_id == "cs_test_SomeOtherSession"
    assert customer_member.standing() == Standing.PENDING


def test_checkout_paying_less_than_asked_is_held(client, customer_member, sliding_plan, make_checkout):
    checkout = make_checkout(customer_member, sliding_plan, amount_cents=2500)
    session = sp.checkout_session(checkout, customer=CUSTOMER)
    session["amount_total"] = 1500
    item = _held(sp.post(client, sp.event("checkout.session.completed", session)))
    assert item.amount_cents == 1500 and item.plan == sliding_plan


def test_checkout_in_another_currency_is_held(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    session = sp.checkout_session(checkout, customer=CUSTOMER)
    session["currency"] = "eur"
    _held(sp.post(client, sp.event("checkout.session.completed", session)))


def test_checkout_paid_by_another_customer_is_held(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    session = sp.checkout_session(checkout, customer="cus_test_Stranger")
    _held(sp.post(client, sp.event("checkout.session.completed", session)))
    customer_member.refresh_from_db()
    assert customer_member.stripe_customer_id == CUSTOMER


def _free_session(checkout):
    session = sp.checkout_session(checkout, customer=CUSTOMER)
    session.update(payment_status="no_payment_required", amount_total=0, amount_subtotal=0, payment_intent=None)
    return session


def test_zero_amount_checkout_for_a_free_plan_grants_the_term(client, customer_member, make_checkout):
    free = PlanFactory(slug="free", amount_cents=0)
    checkout = make_checkout(customer_member, free, amount_cents=0)
    response = sp.post(client, sp.event("checkout.session.completed", _free_session(checkout)))
    assert response.status_code == 200
    assert Payment.objects.get().amount_cents == 0
    assert customer_member.standing() == Standing.ACTIVE


def test_zero_amount_checkout_of_a_paid_plan_is_held_without_an_error(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    item = _held(sp.post(client, sp.event("checkout.session.completed", _free_session(checkout))))
    assert item.amount_cents == 0


def test_event_of_another_api_version_is_refused_and_recorded(client, customer_member, plan, make_checkout, caplog):
    checkout = make_checkout(customer_member, plan)
    invoice = _invoice(checkout)
    # The shape of an older API version: the subscription on the invoice itself, no `parent`.
    invoice["subscription"] = invoice.pop("parent")["subscription_details"]["subscription"]
    event = sp.event("invoice.paid", invoice)
    event["api_version"] = "2024-06-20"
    response = sp.post(client, event)
    assert response.status_code == 400
    assert not Payment.objects.exists()
    refused = RefusedWebhook.objects.get()
    assert (refused.event_id, refused.api_version) == (event["id"], "2024-06-20")
    assert "2024-06-20" in caplog.text and "webhook endpoint" in caplog.text


def test_a_refused_api_version_shows_on_manage(client, treasurer):
    RefusedWebhook.objects.create(event_id="evt_test_1", type="invoice.paid", api_version="2024-06-20")
    client.force_login(treasurer)
    response = client.get("/manage/")
    assert "Configuration problem" in response.text and "2024-06-20" in response.text


def test_refund_of_held_money_in_stripe_is_answered_and_changes_nothing(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    session = sp.checkout_session(checkout, customer=CUSTOMER)
    session["amount_total"] = 100
    sp.post(client, sp.event("checkout.session.completed", session))
    charge = sp.charge(payment_intent=session["payment_intent"], customer=CUSTOMER, amount=100, amount_refunded=100)
    response = sp.post(client, sp.event("charge.refunded", charge))
    assert response.status_code == 200
    assert not Payment.objects.exists()
