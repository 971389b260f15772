"""Cancelling paid tickets for a refund, and an organiser cancelling a ticketed event."""

import datetime
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from events import organising, ticket_cancel, ticket_waitlist
from events.models import RSVP
from events.ticket_orders import Attendee, OrderRefused, place_order
from events.ticket_records import Order
from events.ticket_refund_records import RefundPolicy, TicketRefund
from events.ticket_waitlist_records import WaitlistEntry
from members.models import Payment
from notifications.models import Delivery
from tests.events.helpers import entries, make_organiser
from tests.events.ticket_fixtures import use_test_stripe
from tests.factories import EventFactory
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db
API = "https://api.stripe.com/v1"


@pytest.fixture(autouse=True)
def _settings(settings):
    use_test_stripe(settings)


@pytest.fixture
def congress(db):
    return EventFactory(kind="congress", capacity=2, starts_at=timezone.now() + datetime.timedelta(days=30))


def policy(event, *, days=10, kind=RefundPolicy.FeeKind.PERCENT, value=10):
    return RefundPolicy.objects.create(
        event=event, deadline=timezone.now() + datetime.timedelta(days=days), fee_kind=kind, fee_value=value
    )


def paid_order(client, event, kind, *names, intent="pi_test_T1ckets"):
    """An order placed and paid through the webhook, as Stripe tells it (API 2026-10-28)."""
    attendees = [Attendee(kind.pk, name, f"{name.lower()}@example.org") for name in names]
    order = place_order(
        event=event, user=None, buyer_name=names[0], buyer_email=attendees[0].email, attendees=attendees
    )
    session = {"id": f"cs_test_{order.pk}", "object": "checkout.session", "mode": "payment", "status": "complete",
               "payment_status": "paid", "amount_subtotal": order.charged_cents,
               "amount_total": order.charged_cents, "currency": "usd", "customer": None,
               "customer_email": order.buyer_email, "payment_intent": intent,
               "metadata": {"kind": "tickets", "order_id": str(order.pk)}, "livemode": False}  # fmt: skip
    sp.post(client, sp.event("checkout.session.completed", session))
    order.refresh_from_db()
    assert order.is_paid
    return order


def refund_answer(amount, intent="pi_test_T1ckets"):
    return {"id": "re_test_1", "object": "refund", "amount": amount, "currency": "usd", "payment_intent": intent,
            "status": "succeeded", "reason": None, "metadata": {}}  # fmt: skip


def sent(call) -> dict:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def test_an_attendee_cancels_before_the_deadline_and_is_refunded_less_the_fee(
    client, congress, paid_ticket, stripe_api, workers
):
    policy(congress, value=10)
    order = paid_order(client, congress, paid_ticket, "Ann", "Bob")
    stripe_api.post(f"{API}/refunds", json=refund_answer(16200))
    refund = workers(ticket_cancel.cancel_tickets, order_id=order.pk)
    [call] = stripe_api.calls
    assert sent(call)["amount"] == "16200" and sent(call)["payment_intent"] == "pi_test_T1ckets"
    assert call.request.headers["Idempotency-Key"] == refund.stripe_key
    order.refresh_from_db()
    refund.refresh_from_db()
    congress.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and refund.refunded_at and refund.fee_cents == 1800
    assert congress.seats_taken == 0
    assert set(RSVP.objects.filter(event=congress).values_list("status", flat=True)) == {"no"}
    payment = Payment.objects.get(kind="tickets")
    assert payment.refunded_cents == 16200 and payment.status == Payment.Status.PAID
    withdrawn = Delivery.objects.filter(kind="event-answer", facts__withdrawn=True)
    assert sorted(withdrawn.values_list("to", flat=True)) == ["ann@example.org", "bob@example.org"]
    told = Delivery.objects.get(kind="ticket-refund")
    assert told.to == "ann@example.org" and "$162.00" in told.body_text


def test_a_refund_never_exceeds_what_was_paid(client, congress, paid_ticket, stripe_api, workers):
    policy(congress, kind=RefundPolicy.FeeKind.AMOUNT, value=20000)
    order = paid_order(client, congress, paid_ticket, "Ann")
    refund = workers(ticket_cancel.cancel_tickets, order_id=order.pk)
    assert (refund.amount_cents, refund.fee_cents) == (0, 9000)
    assert not stripe_api.calls, "nothing to give back, nothing asked of Stripe"


def test_one_attendee_cancels_their_own_ticket_from_their_link(client, congress, paid_ticket, stripe_api, workers):
    policy(congress, kind=RefundPolicy.FeeKind.AMOUNT, value=500)
    order = paid_order(client, congress, paid_ticket, "Ann", "Bob")
    bob = RSVP.objects.get(event=congress, email="bob@example.org")
    url = f"/r/{bob.token}/cancel-ticket/"
    page = client.get(url)
    assert b"$85.00" in page.content and b"$5.00" in page.content
    assert not TicketRefund.objects.exists(), "a GET changes nothing"
    stripe_api.post(f"{API}/refunds", json=refund_answer(8500))
    response = workers(client.post, url)
    assert response.status_code == 302
    bob.refresh_from_db()
    order.refresh_from_db()
    assert bob.status == "no" and order.is_paid, "the rest of the order stands"
    assert RSVP.objects.get(event=congress, email="ann@example.org").status == "yes"
    assert sent(stripe_api.calls[0])["amount"] == "8500"


def test_after_the_deadline_cancelling_is_refused_with_a_message_and_changes_nothing(
    client, congress, paid_ticket, stripe_api
):
    policy(congress, days=-1)
    order = paid_order(client, congress, paid_ticket, "Ann")
    with pytest.raises(OrderRefused) as refused:
        ticket_cancel.cancel_tickets(order_id=order.pk)
    assert refused.value.code == "deadline"
    response = client.post(f"/events/orders/o/{order.token}/cancel/", follow=True)
    assert b"that time has passed" in response.content
    order.refresh_from_db()
    assert order.is_paid and not TicketRefund.objects.exists() and not stripe_api.calls


def test_a_retried_refund_task_refunds_once(client, congress, paid_ticket, stripe_api):
    policy(congress, value=0)
    order = paid_order(client, congress, paid_ticket, "Ann")
    refund = ticket_cancel.cancel_tickets(order_id=order.pk)  # the worker never ran
    stripe_api.post(f"{API}/refunds", json=refund_answer(9000))
    assert ticket_cancel.pay_refund(refund_id=refund.pk)
    assert not ticket_cancel.pay_refund(refund_id=refund.pk)
    TicketRefund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert ticket_cancel.refunds_owed() == 0
    assert len(stripe_api.calls) == 1
    assert Payment.objects.get(kind="tickets").refunded_cents == 9000
    assert Delivery.objects.filter(kind="ticket-refund").count() == 1


def test_a_refund_stripe_failed_is_asked_again_with_the_same_key(client, congress, paid_ticket, stripe_api):
    policy(congress, value=0)
    order = paid_order(client, congress, paid_ticket, "Ann")
    refund = ticket_cancel.cancel_tickets(order_id=order.pk)
    TicketRefund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    error = {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}
    stripe_api.post(f"{API}/refunds", json=error, status=500)
    stripe_api.post(f"{API}/refunds", json=refund_answer(9000))
    assert ticket_cancel.refunds_owed() == 1
    keys = {call.request.headers["Idempotency-Key"] for call in stripe_api.calls}
    assert keys == {refund.stripe_key}
    refund.refresh_from_db()
    assert refund.refunded_at


def test_a_cancelled_seat_goes_to_the_waitlist(client, congress, paid_ticket, stripe_api, workers):
    policy(congress, value=0)
    order = paid_order(client, congress, paid_ticket, "Ann", "Bob")
    entry = ticket_waitlist.join(event=congress, name="Wes", email="wes@example.org")
    stripe_api.post(f"{API}/refunds", json=refund_answer(9000))
    line = order.lines.get(attendee_email="bob@example.org")
    workers(ticket_cancel.cancel_tickets, order_id=order.pk, line_id=line.pk)
    assert ticket_waitlist.offer_pass() == 1
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED


def test_cancelling_the_event_refunds_every_paid_order_in_full_once(client, congress, paid_ticket, stripe_api, workers):
    first = paid_order(client, congress, paid_ticket, "Ann", intent="pi_test_First")
    second = paid_order(client, congress, paid_ticket, "Bob", intent="pi_test_Second")
    stripe_api.post(f"{API}/refunds", json=refund_answer(9000, "pi_test_First"))
    stripe_api.post(f"{API}/refunds", json=refund_answer(9000, "pi_test_Second"))
    organiser = make_organiser()
    workers(organising.cancel, event_id=congress.pk, message="The venue flooded.", by=organiser)
    assert sorted(sent(call)["payment_intent"] for call in stripe_api.calls) == ["pi_test_First", "pi_test_Second"]
    assert all(sent(call)["amount"] == "9000" for call in stripe_api.calls)
    assert ticket_cancel.refund_cancelled_event(event_id=congress.pk, by_id=organiser.pk) == 0, "a retry does nothing"
    assert len(stripe_api.calls) == 2
    for order in (first, second):
        order.refresh_from_db()
        assert order.status == Order.Status.REFUNDED
        [audit] = entries(order, "ticket_refund.event_refunds")
        assert audit.by == organiser
    assert Delivery.objects.filter(kind="ticket-refund").count() == 2
    assert Payment.objects.filter(kind="tickets", status=Payment.Status.REFUNDED).count() == 2


def test_the_organiser_sets_the_refund_deadline_and_fee(client, congress, paid_ticket):
    organiser = make_organiser()
    congress.organisers.add(organiser)
    client.force_login(organiser)
    url = f"/manage/events/{congress.slug}/tickets/refunds/"
    data = {"deadline": "2030-05-01T12:00", "fee_kind": "percent", "fee_value": "150"}
    assert client.post(url, data).status_code == 400
    assert not RefundPolicy.objects.exists()
    response = client.post(url, {**data, "fee_value": "15"})
    assert response.status_code == 302
    saved = RefundPolicy.objects.get(event=congress)
    assert (saved.fee_kind, saved.fee_value) == ("percent", 15) and saved.deadline.year == 2030
    assert entries(saved, "ticket_refund.policy_set")[0].by == organiser


def test_a_treasurers_refund_of_a_ticket_payment_cancels_the_order_and_frees_the_seat(
    client, congress, paid_ticket, stripe_api, workers
):
    from members import roles
    from tests.factories import StaffFactory

    order = paid_order(client, congress, paid_ticket, "Ann", "Bob")
    entry = ticket_waitlist.join(event=congress, name="Wes", email="wes@example.org")
    payment = Payment.objects.get(kind="tickets")
    treasurer = StaffFactory(email="treasurer@example.org", role=roles.TREASURER)
    client.force_login(treasurer)
    stripe_api.post(f"{API}/refunds", json=refund_answer(18000))
    url = f"/manage/payments/{payment.pk}/refund/"
    response = workers(client.post, url, {"refund-reason": "Asked for by phone."})
    assert response.status_code == 302
    payment.refresh_from_db()
    order.refresh_from_db()
    congress.refresh_from_db()
    assert (payment.status, payment.refunded_cents) == (Payment.Status.REFUNDED, 18000)
    assert order.status == Order.Status.REFUNDED and congress.seats_taken == 0
    [call] = stripe_api.calls
    assert sent(call)["amount"] == "18000" and sent(call)["payment_intent"] == "pi_test_T1ckets"
    assert entries(payment, "payment.refunded")[0].by == treasurer
    assert entries(order, "ticket_refund.treasurer")[0].by == treasurer
    assert ticket_waitlist.offer_pass() == 1
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED


def test_a_treasurers_partial_refund_of_a_ticket_payment_keeps_the_tickets(
    client, congress, paid_ticket, stripe_api, workers
):
    from members import roles
    from tests.factories import StaffFactory

    order = paid_order(client, congress, paid_ticket, "Ann")
    payment = Payment.objects.get(kind="tickets")
    client.force_login(StaffFactory(email="treasurer@example.org", role=roles.TREASURER))
    stripe_api.post(f"{API}/refunds", json=refund_answer(1000))
    data = {"refund-reason": "A goodwill discount.", "refund-amount": "10.00"}
    workers(client.post, f"/manage/payments/{payment.pk}/refund/", data)
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.refunded_cents == 1000 and payment.status == Payment.Status.PAID
    assert order.is_paid and RSVP.objects.get(event=congress).status == "yes"
    assert sent(stripe_api.calls[0])["amount"] == "1000"


def test_cancelling_the_event_closes_its_waitlist_and_ends_open_offers(client, congress, paid_ticket, workers):
    attendees = [Attendee(paid_ticket.pk, n, f"{n.lower()}@example.org") for n in ("Ann", "Bob")]
    held = place_order(event=congress, user=None, buyer_name="Ann", buyer_email="ann@example.org", attendees=attendees)
    offered = ticket_waitlist.join(event=congress, name="Wes", email="wes@example.org")
    waiting = ticket_waitlist.join(event=congress, name="Val", email="val@example.org")
    from events import ticket_holds

    ticket_holds.expire(order_id=held.pk)
    Order.objects.create(event=congress, buyer_name="Cat", buyer_email="cat@example.org", status="paid")
    ticket_waitlist.offer_pass()
    offered.refresh_from_db()
    assert offered.status == WaitlistEntry.Status.OFFERED
    workers(organising.cancel, event_id=congress.pk, message="The venue flooded.", by=make_organiser())
    offered.refresh_from_db()
    waiting.refresh_from_db()
    assert offered.status == waiting.status == WaitlistEntry.Status.LEFT
    assert offered.offer.status == Order.Status.CANCELLED


def test_the_refunds_page_lists_the_waitlist_in_few_queries(
    client, congress, paid_ticket, django_assert_max_num_queries
):
    organiser = make_organiser()
    congress.organisers.add(organiser)
    client.force_login(organiser)
    attendees = [Attendee(paid_ticket.pk, n, f"{n.lower()}@example.org") for n in ("Ann", "Bob")]
    place_order(event=congress, user=None, buyer_name="Ann", buyer_email="ann@example.org", attendees=attendees)
    for n in range(10):
        ticket_waitlist.join(event=congress, name=f"Wes {n}", email=f"wes{n}@example.org")
    with django_assert_max_num_queries(14):
        page = client.get(f"/manage/events/{congress.slug}/tickets/refunds/")
    assert page.content.count(b"@example.org") == 10


def test_the_order_page_shows_its_refunds(client, congress, paid_ticket, stripe_api, workers):
    policy(congress, value=10)
    order = paid_order(client, congress, paid_ticket, "Ann")
    stripe_api.post(f"{API}/refunds", json=refund_answer(8100))
    workers(ticket_cancel.cancel_tickets, order_id=order.pk)
    page = client.get(f"/events/orders/o/{order.token}/").content.decode()
    assert 'id="order-refunds"' in page and "$81.00" in page and "refunded to the card that paid" in page
