"""Chargebacks: recorded, the treasurer told, the term kept or suspended by the policy."""

import time

import pytest

from members import roles
from members.models import Dispute, Member, Payment, Standing
from notifications.models import Delivery
from tests.factories import PaymentFactory, StaffFactory, TermFactory
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db

INTENT = "pi_test_Disputed"


@pytest.fixture
def paid(member, plan):
    payment = PaymentFactory(member=member, plan=plan, method=Payment.Method.CARD, stripe_payment_intent_id=INTENT)
    TermFactory(member=member, plan=plan, payment=payment)
    return payment


def _dispute(status="needs_response", dispute_id="dp_test_1"):
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": 6000,
        "charge": "ch_test_Disputed",
        "created": int(time.time()),
        "currency": "usd",
        "livemode": False,
        "payment_intent": INTENT,
        "reason": "fraudulent",
        "status": status,
    }


def test_dispute_is_recorded_against_its_payment(client, paid):
    response = sp.post(client, sp.event("charge.dispute.created", _dispute()))
    assert response.status_code == 200
    dispute = Dispute.objects.get()
    assert (dispute.payment, dispute.amount_cents, dispute.reason) == (paid, 6000, "fraudulent")


def test_every_treasurer_is_told_of_a_dispute(client, paid, treasurer):
    other = StaffFactory(email="second@example.org", role=roles.TREASURER)
    sp.post(client, sp.event("charge.dispute.created", _dispute()))
    told = set(Delivery.objects.filter(kind="dispute-opened").values_list("to", flat=True))
    assert told == {treasurer.email, other.email}


def test_a_repeated_dispute_tells_the_treasurer_once(client, paid, treasurer):
    sp.post(client, sp.event("charge.dispute.created", _dispute()))
    sp.post(client, sp.event("charge.dispute.created", _dispute()))
    assert Dispute.objects.count() == 1
    assert Delivery.objects.filter(kind="dispute-opened").count() == 1


def test_keep_policy_keeps_the_term_while_disputed(client, paid, settings):
    settings.DUES_DISPUTE_POLICY = "keep"
    sp.post(client, sp.event("charge.dispute.created", _dispute()))
    assert Member.objects.get(pk=paid.member_id).standing() == Standing.ACTIVE


def test_suspend_policy_suspends_the_term_until_the_dispute_is_won(client, paid, settings):
    settings.DUES_DISPUTE_POLICY = "suspend"
    sp.post(client, sp.event("charge.dispute.created", _dispute()))
    assert not Member.objects.get(pk=paid.member_id).in_good_standing()
    sp.post(client, sp.event("charge.dispute.closed", _dispute(status="won")))
    assert Member.objects.get(pk=paid.member_id).standing() == Standing.ACTIVE


def test_a_lost_dispute_marks_the_payment_refunded(client, paid):
    sp.post(client, sp.event("charge.dispute.created", _dispute()))
    sp.post(client, sp.event("charge.dispute.closed", _dispute(status="lost")))
    paid.refresh_from_db()
    assert paid.status == Payment.Status.REFUNDED and "dispute" in paid.status_reason
    assert Dispute.objects.get().closed_at is not None


def test_a_dispute_closed_before_it_was_heard_opening_is_recorded_closed(client, paid, settings):
    settings.DUES_DISPUTE_POLICY = "suspend"
    sp.post(client, sp.event("charge.dispute.closed", _dispute(status="won")))
    sp.post(client, sp.event("charge.dispute.created", _dispute()))
    assert Dispute.objects.get().status == "won"
    assert Member.objects.get(pk=paid.member_id).standing() == Standing.ACTIVE


def test_disputes_show_on_the_review_queue(client, paid, treasurer):
    sp.post(client, sp.event("charge.dispute.created", _dispute()))
    client.force_login(treasurer)
    response = client.get("/manage/dues/unapplied/")
    assert paid.receipt_number in response.text and "fraudulent" in response.text
