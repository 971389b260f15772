"""The webhook: signed events change state once, in any order; anything else changes nothing."""

import datetime
import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.db import connection
from django.test import Client
from django.utils import timezone

from members import stripe_webhooks
from members.models import Checkout, FailedPayment, Member, MembershipTerm, Payment, Standing, StripeEvent
from notifications.models import Delivery
from tests.factories import MemberFactory, PlanFactory
from tests.mail import composed
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db

DAY = 86400
CUSTOMER = "cus_test_Q1w2E3r4T5y6"
SUBSCRIPTION = "sub_test_1PqRsTuVwXyZ"


@pytest.fixture
def customer_member(member):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id=CUSTOMER)
    member.refresh_from_db()
    return member


def _subscription_events(checkout, *, period_start=None):
    period_start = period_start or int(time.time())
    invoice = sp.invoice(
        customer=CUSTOMER,
        subscription=SUBSCRIPTION,
        meta=sp.metadata(checkout),
        amount=checkout.amount_cents,
        period_start=period_start,
        period_end=period_start + 365 * DAY,
    )
    session = sp.checkout_session(checkout, customer=CUSTOMER, subscription=SUBSCRIPTION, invoice=invoice["id"])
    return sp.event("checkout.session.completed", session), sp.event("invoice.paid", invoice)


def _state(member: Member) -> dict:
    member.refresh_from_db()
    return {
        "number": member.member_number is not None,
        "standing": member.standing(),
        "auto_renew": member.auto_renew,
        "renews_on": member.renews_on,
        "subscription": member.stripe_subscription_id,
        "customer": member.stripe_customer_id,
        "terms": list(MembershipTerm.objects.filter(member=member).values_list("start", "end", "cancelled_on")),
        "payments": list(Payment.objects.filter(member=member).values_list("amount_cents", "method", "status")),
        "checkouts_paid": [c.payment_id is None for c in Checkout.objects.filter(member=member)],
    }


def test_one_time_checkout_completed_activates_the_member(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    session = sp.checkout_session(checkout, customer=CUSTOMER)
    response = sp.post(client, sp.event("checkout.session.completed", session))
    assert response.status_code == 200 and response.json()["outcome"] == "queued"
    payment = Payment.objects.get()
    assert (payment.amount_cents, payment.method, payment.member) == (6000, "card", customer_member)
    assert payment.stripe_checkout_session_id == session["id"]
    assert payment.stripe_payment_intent_id == session["payment_intent"]
    assert customer_member.standing() == Standing.ACTIVE
    checkout.refresh_from_db()
    assert checkout.payment == payment and checkout.completed_at is not None
    customer_member.refresh_from_db()
    assert customer_member.member_number is not None
    assert set(Delivery.objects.values_list("kind", flat=True)) == {"receipt", "welcome"}


def test_checkout_completed_links_a_new_customer(client, member, plan, make_checkout):
    checkout = make_checkout(member, plan)
    sp.post(client, sp.event("checkout.session.completed", sp.checkout_session(checkout, customer=CUSTOMER)))
    member.refresh_from_db()
    assert member.stripe_customer_id == CUSTOMER


def test_the_same_event_twice_changes_state_once(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan)
    evt = sp.event("checkout.session.completed", sp.checkout_session(checkout, customer=CUSTOMER))
    assert sp.post(client, evt).json()["outcome"] == "queued"
    second = sp.post(client, evt)
    assert second.status_code == 200 and second.json()["outcome"] == "duplicate"
    assert Payment.objects.count() == 1 and MembershipTerm.objects.count() == 1
    assert Delivery.objects.filter(kind="receipt").count() == 1


def test_subscription_checkout_then_invoice_paid_turns_on_auto_renew(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan, auto_renew=True)
    completed, paid = _subscription_events(checkout)
    for evt in (completed, paid):
        assert sp.post(client, evt).status_code == 200
    state = _state(customer_member)
    assert state["auto_renew"] and state["subscription"] == SUBSCRIPTION
    assert state["payments"] == [(6000, "card", "paid")] and state["checkouts_paid"] == [False]
    period_end = paid["data"]["object"]["lines"]["data"][0]["period"]["end"]
    assert state["renews_on"] == datetime.datetime.fromtimestamp(period_end, tz=datetime.UTC).date()
    assert Payment.objects.get().stripe_invoice_id == paid["data"]["object"]["id"]


def test_events_in_any_order_reach_the_same_state(client, plan, make_checkout):
    states = []
    for order in ((0, 1), (1, 0)):
        member = MemberFactory()
        Member.objects.filter(pk=member.pk).update(stripe_customer_id=f"{CUSTOMER}{order[0]}")
        member.refresh_from_db()
        checkout = make_checkout(member, plan, auto_renew=True)
        events = _subscription_events(checkout)
        for evt in events:
            evt["data"]["object"]["customer"] = member.stripe_customer_id
        for index in order:
            assert sp.post(client, events[index]).status_code == 200
        state = _state(member)
        state.pop("customer")
        states.append(state)
    assert states[0] == states[1]
    assert states[0]["checkouts_paid"] == [False], "the checkout is confirmed whichever event came last"


def test_yearly_invoice_paid_extends_the_term_from_its_end(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan, auto_renew=True)
    start = int(time.time())
    for evt in _subscription_events(checkout, period_start=start):
        sp.post(client, evt)
    first = MembershipTerm.objects.get()
    renewal = sp.invoice(
        customer=CUSTOMER,
        subscription=SUBSCRIPTION,
        meta=sp.metadata(checkout),
        amount=6000,
        period_start=start + 365 * DAY,
        period_end=start + 730 * DAY,
        billing_reason="subscription_cycle",
    )
    renewal["status_transitions"]["paid_at"] = start + 60  # charged early: the term still follows on
    sp.post(client, sp.event("invoice.paid", renewal))
    second = MembershipTerm.objects.exclude(pk=first.pk).get()
    assert second.start == first.end + datetime.timedelta(days=1)
    assert Payment.objects.count() == 2


def test_failed_charge_is_queued_and_the_member_told_once(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan, auto_renew=True)
    failed = sp.invoice(
        customer=CUSTOMER,
        subscription=SUBSCRIPTION,
        meta=sp.metadata(checkout),
        amount=6000,
        period_start=int(time.time()),
        period_end=int(time.time()) + 365 * DAY,
        paid=False,
        billing_reason="subscription_cycle",
    )
    evt = sp.event("invoice.payment_failed", failed)
    sp.post(client, evt)
    sp.post(client, evt)
    row = FailedPayment.objects.get()
    assert (row.member, row.amount_cents, row.is_open) == (customer_member, 6000, True)
    mail = composed(Delivery.objects.get(kind="payment-failed"))
    assert "http://testserver/membership/card/" in mail.body_text
    assert "did not go through" in mail.subject


def test_a_retry_that_succeeds_clears_the_failed_charge(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan, auto_renew=True)
    kwargs = {
        "customer": CUSTOMER,
        "subscription": SUBSCRIPTION,
        "meta": sp.metadata(checkout),
        "amount": 6000,
        "period_start": int(time.time()),
        "period_end": int(time.time()) + 365 * DAY,
        "invoice_id": "in_test_Retry123",
    }
    sp.post(client, sp.event("invoice.payment_failed", sp.invoice(paid=False, **kwargs)))
    sp.post(client, sp.event("invoice.paid", sp.invoice(attempt_count=2, **kwargs)))
    row = FailedPayment.objects.get()
    assert not row.is_open and row.resolution == FailedPayment.Resolution.PAID
    assert customer_member.standing() == Standing.ACTIVE


def test_a_failure_arriving_after_the_payment_changes_nothing(client, customer_member, plan, make_checkout):
    checkout = make_checkout(customer_member, plan, auto_renew=True)
    kwargs = {
        "customer": CUSTOMER,
        "subscription": SUBSCRIPTION,
        "meta": sp.metadata(checkout),
        "amount": 6000,
        "period_start": int(time.time()),
        "period_end": int(time.time()) + 365 * DAY,
        "invoice_id": "in_test_Late456",
    }
    sp.post(client, sp.event("invoice.paid", sp.invoice(**kwargs)))
    sp.post(client, sp.event("invoice.payment_failed", sp.invoice(paid=False, **kwargs)))
    assert not FailedPayment.objects.exists()
    assert not Delivery.objects.filter(kind="payment-failed").exists()


def _subscribed(client, member, plan, make_checkout):
    checkout = make_checkout(member, plan, auto_renew=True)
    for evt in _subscription_events(checkout):
        sp.post(client, evt)
    return checkout


def test_cancelling_auto_renew_in_the_portal_turns_it_off_and_tells_the_member(
    client, customer_member, plan, make_checkout
):
    checkout = _subscribed(client, customer_member, plan, make_checkout)
    now = int(time.time())
    cancelled = sp.subscription(
        subscription_id=SUBSCRIPTION,
        customer=CUSTOMER,
        meta=sp.metadata(checkout),
        cancel_at_period_end=True,
        period_end=now + 365 * DAY,
    )
    sp.post(client, sp.event("customer.subscription.updated", cancelled, created=now + 10))
    customer_member.refresh_from_db()
    assert not customer_member.auto_renew and customer_member.renews_on is None
    assert customer_member.standing() == Standing.ACTIVE, "the paid year stays"
    ended = sp.subscription(
        subscription_id=SUBSCRIPTION,
        customer=CUSTOMER,
        meta=sp.metadata(checkout),
        status="canceled",
        period_end=now + 365 * DAY,
    )
    sp.post(client, sp.event("customer.subscription.deleted", ended, created=now + 20))
    assert Delivery.objects.filter(kind="auto-renew-cancelled").count() == 1


def test_an_older_subscription_update_arriving_late_is_ignored(client, customer_member, plan, make_checkout):
    checkout = _subscribed(client, customer_member, plan, make_checkout)
    now = int(time.time())
    meta, end = sp.metadata(checkout), now + 365 * DAY
    deleted = sp.subscription(
        subscription_id=SUBSCRIPTION, customer=CUSTOMER, meta=meta, status="canceled", period_end=end
    )
    active = sp.subscription(subscription_id=SUBSCRIPTION, customer=CUSTOMER, meta=meta, period_end=end)
    sp.post(client, sp.event("customer.subscription.deleted", deleted, created=now + 100))
    sp.post(client, sp.event("customer.subscription.updated", active, created=now + 50))
    customer_member.refresh_from_db()
    assert not customer_member.auto_renew


def test_subscription_deleted_stops_auto_renew(client, customer_member, plan, make_checkout):
    checkout = _subscribed(client, customer_member, plan, make_checkout)
    ended = sp.subscription(
        subscription_id=SUBSCRIPTION,
        customer=CUSTOMER,
        meta=sp.metadata(checkout),
        status="canceled",
        period_end=int(time.time()),
    )
    sp.post(client, sp.event("customer.subscription.deleted", ended, created=int(time.time()) + 5))
    customer_member.refresh_from_db()
    assert not customer_member.auto_renew
    assert Delivery.objects.filter(kind="auto-renew-cancelled").count() == 1


def _one_time_payment(client, member, plan, make_checkout) -> Payment:
    checkout = make_checkout(member, plan)
    sp.post(client, sp.event("checkout.session.completed", sp.checkout_session(checkout, customer=CUSTOMER)))
    return Payment.objects.get(member=member)


def test_refund_in_stripe_marks_the_payment_and_ends_the_term(client, customer_member, plan, make_checkout):
    payment = _one_time_payment(client, customer_member, plan, make_checkout)
    refund = sp.charge(
        payment_intent=payment.stripe_payment_intent_id, customer=CUSTOMER, amount=6000, amount_refunded=6000
    )
    assert sp.post(client, sp.event("charge.refunded", refund)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.status_reason == "Refunded in Stripe."
    assert customer_member.standing() != Standing.ACTIVE


def test_partial_refund_is_noted_and_the_term_stays(client, customer_member, plan, make_checkout):
    payment = _one_time_payment(client, customer_member, plan, make_checkout)
    refund = sp.charge(
        payment_intent=payment.stripe_payment_intent_id, customer=CUSTOMER, amount=6000, amount_refunded=1000
    )
    sp.post(client, sp.event("charge.refunded", refund))
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_cents) == (Payment.Status.PAID, 1000)
    assert customer_member.standing() == Standing.ACTIVE


def test_refund_of_an_invoice_payment_finds_it_through_stripe(
    client, customer_member, plan, make_checkout, stripe_keys
):
    _subscribed(client, customer_member, plan, make_checkout)
    payment = Payment.objects.get()
    refund = sp.charge(payment_intent="pi_test_Inv0ice", customer=CUSTOMER, amount=6000, amount_refunded=6000)
    with responses.RequestsMock() as stripe_api:
        stripe_api.get(
            "https://api.stripe.com/v1/invoice_payments",
            json={
                "object": "list",
                "url": "/v1/invoice_payments",
                "has_more": False,
                "data": [
                    {
                        "id": "inpay_test_1",
                        "object": "invoice_payment",
                        "amount_paid": 6000,
                        "currency": "usd",
                        "invoice": payment.stripe_invoice_id,
                        "is_default": True,
                        "livemode": False,
                        "payment": {"type": "payment_intent", "payment_intent": "pi_test_Inv0ice"},
                        "status": "paid",
                    }
                ],
            },
        )
        sp.post(client, sp.event("charge.refunded", refund))
        query = parse_qs(urlsplit(stripe_api.calls[0].request.url).query)
    assert query == {
        "payment[type]": ["payment_intent"],
        "payment[payment_intent]": ["pi_test_Inv0ice"],
        "limit": ["1"],
    }
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED


def test_refund_before_its_payment_is_recorded_waits_and_is_applied_when_its_turn_comes(client, customer_member):
    refund = sp.charge(payment_intent="pi_test_NotYet", customer=CUSTOMER, amount=6000, amount_refunded=6000)
    evt = sp.event("charge.refunded", refund)
    assert sp.post(client, evt).status_code == 200, "answered at once: the worker waits, not Stripe"
    waiting = StripeEvent.objects.get()
    assert waiting.processed_at is None and waiting.attempts == 1 and "not recorded yet" in waiting.last_error
    assert waiting.next_attempt_at > timezone.now()
    assert stripe_webhooks.process_waiting() == 0, "not its turn yet"


@pytest.mark.real_worker
@pytest.mark.django_db(transaction=True)
def test_a_webhook_is_answered_at_once_and_applied_by_a_real_worker(client, celery_worker, customer_member, plan,
                                                                     make_checkout):  # fmt: skip
    checkout = make_checkout(customer_member, plan)
    response = sp.post(client, sp.event("checkout.session.completed", sp.checkout_session(checkout, customer=CUSTOMER)),
                       apply=False)  # fmt: skip
    assert response.json()["outcome"] == "queued"
    deadline = time.monotonic() + 15
    while StripeEvent.objects.filter(processed_at=None).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert customer_member.standing() == Standing.ACTIVE


def test_refund_of_a_charge_that_is_not_ours_is_ignored(client, db):
    refund = sp.charge(payment_intent="pi_test_Other", customer="cus_test_Shop", amount=900, amount_refunded=900)
    assert sp.post(client, sp.event("charge.refunded", refund)).status_code == 200


def _nothing_changed(member: Member) -> None:
    member.refresh_from_db()
    assert member.member_number is None and not member.auto_renew
    assert not Payment.objects.exists() and not MembershipTerm.objects.exists()
    assert not StripeEvent.objects.exists() and not Delivery.objects.exists()


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1700000000,v1=0000",
        "not a signature",
        "wrong-secret",
        "stale",
        "tampered",
    ],
)
def test_bad_or_stale_signature_is_refused_and_changes_nothing(client, member, plan, make_checkout, signature):
    checkout = make_checkout(member, plan)
    evt = sp.event("checkout.session.completed", sp.checkout_session(checkout, customer=CUSTOMER))
    payload = json.dumps(evt)
    header = {
        "wrong-secret": sp.sign(payload, secret="whsec_someone_else"),
        "stale": sp.sign(payload, timestamp=int(time.time()) - 301),
        "tampered": sp.sign(payload.replace("6000", "1")),
    }.get(signature, signature)
    response = client.post(
        "/stripe/webhook/", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 400
    _nothing_changed(member)


def test_webhook_without_a_configured_secret_refuses_everything(client, member, plan, make_checkout, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    checkout = make_checkout(member, plan)
    response = sp.post(client, sp.event("checkout.session.completed", sp.checkout_session(checkout, customer=CUSTOMER)))
    assert response.status_code == 400
    _nothing_changed(member)


def test_unknown_event_type_is_answered_and_changes_nothing(client, member):
    response = sp.post(client, sp.event("customer.created", {"id": CUSTOMER, "object": "customer"}))
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    _nothing_changed(member)


def test_get_on_the_webhook_is_not_allowed(client):
    assert client.get("/stripe/webhook/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_invoice_paid_extend_the_term_once(monkeypatch, settings):
    settings.STRIPE_WEBHOOK_SECRET = sp.SECRET
    member = MemberFactory()
    Member.objects.filter(pk=member.pk).update(stripe_customer_id=CUSTOMER)
    plan = PlanFactory()
    checkout = Checkout.objects.create(
        member=member, plan=plan, amount_cents=6000, currency="USD", auto_renew=True, stripe_session_id="cs_test_C"
    )
    _, paid = _subscription_events(checkout)
    handler = stripe_webhooks.HANDLERS["invoice.paid"]

    def slow_handler(event):
        time.sleep(0.3)  # hold the first delivery's transaction open while the second arrives
        handler(event)

    monkeypatch.setitem(stripe_webhooks.HANDLERS, "invoice.paid", slow_handler)
    barrier, outcomes = threading.Barrier(2), []

    def deliver():
        try:
            barrier.wait()
            response = sp.post(Client(), paid)
            outcomes.append((response.status_code, response.json()["outcome"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [(200, "duplicate"), (200, "queued")]
    assert Payment.objects.count() == 1 and MembershipTerm.objects.count() == 1
    assert StripeEvent.objects.count() == 1
