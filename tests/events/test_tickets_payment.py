"""Paying for tickets: seats held while paying, Stripe's session and webhooks, late payments."""

import datetime
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from events import ticket_checkout, ticket_holds
from events.models import RSVP
from events.ticket_orders import Attendee, OrderRefused, place_order
from events.ticket_records import Order, TicketType
from notifications.models import Delivery
from tests.events.helpers import deliveries, make_member
from tests.events.ticket_fixtures import use_test_stripe
from tests.factories import EventFactory
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db
API = "https://api.stripe.com/v1"


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    use_test_stripe(settings)
    settings.TICKET_HOLD_MINUTES = 30


@pytest.fixture
def congress(db):
    return EventFactory(kind="congress", capacity=3)


def people(kind, *names):
    return [Attendee(kind.pk, name, f"{name.lower()}@example.org") for name in names]


def order_for(event, kind, *names, **kwargs):
    attendees = people(kind, *names)
    return place_order(
        event=event, user=kwargs.pop("user", None), buyer_name=attendees[0].name, buyer_email=attendees[0].email,
        attendees=attendees, **kwargs,
    )  # fmt: skip


def stripe_session(session_id="cs_test_T1ckets"):
    url = f"https://checkout.stripe.com/c/pay/{session_id}"
    return {"id": session_id, "object": "checkout.session", "mode": "payment", "status": "open",
            "payment_status": "unpaid", "url": url, "livemode": False}  # fmt: skip


def completed(order, *, amount=None, currency="usd", intent="pi_test_T1ckets"):
    """`checkout.session.completed` for an order, as Stripe sends it (API 2026-10-28)."""
    return sp.event(
        "checkout.session.completed",
        {
            "id": order.stripe_checkout_session_id or "cs_test_T1ckets",
            "object": "checkout.session",
            "mode": "payment",
            "status": "complete",
            "payment_status": "paid",
            "amount_subtotal": order.charged_cents if amount is None else amount,
            "amount_total": order.charged_cents if amount is None else amount,
            "currency": currency,
            "customer": None,
            "customer_email": order.buyer_email,
            "payment_intent": intent,
            "metadata": {"kind": "tickets", "order_id": str(order.pk)},
            "livemode": False,
        },
    )


def refund_answer(intent="pi_test_T1ckets", amount=18000):
    return {"id": "re_test_1", "object": "refund", "amount": amount, "currency": "usd", "payment_intent": intent,
            "status": "succeeded"}  # fmt: skip


def test_a_paid_order_holds_its_seats_until_paid(congress, paid_ticket):
    order = order_for(congress, paid_ticket, "Ann", "Bob")
    assert order.status == Order.Status.HELD and order.total_cents == 18000
    assert ticket_holds.seats_left(congress, now=timezone.now()) == 1
    assert not RSVP.objects.filter(event=congress).exists(), "nobody is confirmed before the money arrives"


def test_the_last_seat_held_by_another_buyer_is_refused(congress, paid_ticket):
    order_for(congress, paid_ticket, "Ann", "Bob", "Cat")
    with pytest.raises(OrderRefused) as refused:
        order_for(congress, paid_ticket, "Dan")
    assert refused.value.code == "full"
    assert Order.objects.count() == 1


def test_starting_checkout_asks_stripe_for_one_session_that_ends_with_the_hold(congress, paid_ticket, stripe_api):
    stripe_api.post(f"{API}/checkout/sessions", json=stripe_session())
    order = order_for(congress, paid_ticket, "Ann", "Bob")
    url = ticket_checkout.start(order)
    assert url == "https://checkout.stripe.com/c/pay/cs_test_T1ckets"
    sent = {key: values[0] for key, values in parse_qs(stripe_api.calls[0].request.body).items()}
    order.refresh_from_db()
    assert sent["mode"] == "payment"
    assert sent["metadata[kind]"] == "tickets" and sent["metadata[order_id]"] == str(order.pk)
    assert sent["line_items[0][quantity]"] == "2"
    assert sent["line_items[0][price_data][unit_amount]"] == "9000"
    assert sent["line_items[0][price_data][currency]"] == "usd"
    assert int(sent["expires_at"]) == int(order.held_until.timestamp())
    assert order.held_until - timezone.now() > datetime.timedelta(minutes=30), "Stripe's shortest expiry"
    assert order.stripe_checkout_session_id == "cs_test_T1ckets"


def test_the_completed_webhook_confirms_the_order_and_each_attendee_gets_a_ticket(client, congress, paid_ticket):
    order = order_for(congress, paid_ticket, "Ann", "Bob")
    sp.post(client, completed(order))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.stripe_payment_intent_id == "pi_test_T1ckets"
    assert set(RSVP.objects.filter(event=congress, status="yes").values_list("email", flat=True)) == {
        "ann@example.org",
        "bob@example.org",
    }
    congress.refresh_from_db()
    assert congress.seats_taken == 2
    assert ticket_holds.seats_left(congress, now=timezone.now()) == 1
    assert sorted(mail.to for mail in deliveries(kind="event-ticket")) == ["ann@example.org", "bob@example.org"]


def test_a_repeated_webhook_changes_nothing(client, congress, paid_ticket):
    order = order_for(congress, paid_ticket, "Ann")
    evt = completed(order)
    sp.post(client, evt)
    sp.post(client, completed(order))  # the same payment told again in a new event
    congress.refresh_from_db()
    assert congress.seats_taken == 1
    assert len(deliveries(kind="event-ticket")) == 1


def test_a_payment_of_another_amount_confirms_nothing_and_is_refunded(
    client, congress, paid_ticket, stripe_api, settle
):
    stripe_api.post(f"{API}/refunds", json=refund_answer(amount=100))
    order = order_for(congress, paid_ticket, "Ann")
    settle(completed(order, amount=100))
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert not RSVP.objects.filter(event=congress, status="yes").exists()
    sent = parse_qs(stripe_api.calls[0].request.body)
    assert sent["payment_intent"] == ["pi_test_T1ckets"] and sent["amount"] == ["100"]
    assert Delivery.objects.filter(kind="ticket-order-refunded", to="ann@example.org").exists()


def test_stripes_expired_session_ends_the_hold(client, congress, paid_ticket):
    order = order_for(congress, paid_ticket, "Ann", "Bob", "Cat")
    Order.objects.filter(pk=order.pk).update(stripe_checkout_session_id="cs_test_Gone")
    session = {"id": "cs_test_Gone", "object": "checkout.session", "status": "expired", "payment_status": "unpaid",
               "metadata": {"kind": "tickets", "order_id": str(order.pk)}}  # fmt: skip
    sp.post(client, sp.event("checkout.session.expired", session))
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert ticket_holds.seats_left(congress, now=timezone.now()) == 3


def test_the_sweep_ends_holds_past_their_time_and_no_others(congress, paid_ticket):
    old = order_for(congress, paid_ticket, "Ann")
    fresh = order_for(congress, paid_ticket, "Bob")
    later = timezone.now() + datetime.timedelta(minutes=31)
    Order.objects.filter(pk=fresh.pk).update(held_until=later + datetime.timedelta(minutes=5))
    assert ticket_holds.sweep(now=later) == 1
    assert Order.objects.get(pk=old.pk).status == Order.Status.EXPIRED
    assert Order.objects.get(pk=fresh.pk).status == Order.Status.HELD


def test_a_late_payment_for_an_event_now_full_is_refunded_and_the_buyer_told(
    client, congress, paid_ticket, stripe_api, settle
):
    stripe_api.post(f"{API}/refunds", json=refund_answer(amount=9000))
    late = order_for(congress, paid_ticket, "Ann")
    ticket_holds.expire(order_id=late.pk)
    others = order_for(congress, paid_ticket, "Bob", "Cat", "Dan")
    sp.post(client, completed(others, intent="pi_test_Others"))
    settle(completed(late))
    late.refresh_from_db()
    assert late.status == Order.Status.REFUNDED
    assert not RSVP.objects.filter(email="ann@example.org", status="yes").exists()
    assert parse_qs(stripe_api.calls[0].request.body)["payment_intent"] == ["pi_test_T1ckets"]
    [told] = deliveries(kind="ticket-order-refunded")
    assert told.to == "ann@example.org" and "refunded" in told.subject
    congress.refresh_from_db()
    assert congress.seats_taken == 3, "nobody over capacity"


def test_a_late_payment_with_room_left_is_confirmed(client, congress, paid_ticket):
    late = order_for(congress, paid_ticket, "Ann")
    ticket_holds.expire(order_id=late.pk)
    sp.post(client, completed(late))
    late.refresh_from_db()
    assert late.status == Order.Status.PAID


def test_a_member_ticket_paid_by_someone_no_longer_in_good_standing_is_refunded(client, congress, stripe_api, settle):
    stripe_api.post(f"{API}/refunds", json=refund_answer(amount=4500))
    member_ticket = TicketType.objects.create(event=congress, name="Member", price_cents=4500, audience="good_standing")
    buyer = make_member()
    order = place_order(event=congress, user=buyer, buyer_name="M", buyer_email=buyer.email,
                        attendees=[Attendee(member_ticket.pk, "M", buyer.email)])  # fmt: skip
    buyer.member.terms.all().delete()  # the term was voided before the money arrived
    settle(completed(order))
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert "good standing" in order.status_reason


def test_paid_tickets_are_a_tickets_payment_on_the_treasurers_list_and_csv_beside_dues(client, congress, paid_ticket):
    from members import roles
    from members.models import Payment
    from tests.factories import PaymentFactory, StaffFactory

    PaymentFactory(amount_cents=6000)
    order = order_for(congress, paid_ticket, "Ann", "Bob")
    sp.post(client, completed(order))
    sp.post(client, completed(order))  # told twice: recorded once
    tickets = Payment.objects.get(kind="tickets")
    assert (tickets.amount_cents, tickets.member, tickets.status) == (18000, None, "paid")
    assert f"order {order.pk}" in tickets.description
    client.force_login(StaffFactory(role=roles.TREASURER))
    page = client.get("/manage/payments/").content.decode()
    assert "Tickets" in page and "Dues" in page and "Not a member" in page
    only = client.get("/manage/payments/", {"kind": "tickets"}).content.decode()
    assert tickets.receipt_number in only and only.count("<tr>") == 2
    streamed = client.get("/manage/payments/", {"format": "csv"}).streaming_content
    csv = b"".join(streamed).decode().splitlines()
    assert csv[0].endswith("Kind,Description")
    assert any(row.startswith(tickets.receipt_number) and ",Tickets," in row for row in csv)
    assert client.post(f"/manage/payments/{tickets.pk}/void/", {"void-reason": "x"}).status_code == 302
    tickets.refresh_from_db()
    assert tickets.status == "paid", "ticket money is never voided from the dues page (a refund cancels the order)"


def test_a_refunded_late_payment_is_a_refunded_tickets_payment(client, congress, paid_ticket, stripe_api, settle):
    from members.models import Payment

    stripe_api.post(f"{API}/refunds", json=refund_answer(amount=100))
    order = order_for(congress, paid_ticket, "Ann")
    settle(completed(order, amount=100))
    payment = Payment.objects.get(kind="tickets")
    assert (payment.status, payment.refunded_cents) == ("refunded", 100)


def test_paying_again_ends_the_earlier_stripe_session_and_its_expiry_keeps_the_hold(
    client, congress, paid_ticket, stripe_api
):
    stripe_api.post(f"{API}/checkout/sessions", json=stripe_session("cs_test_First"))
    order = order_for(congress, paid_ticket, "Ann")
    ticket_checkout.start(order)
    order.refresh_from_db()
    stripe_api.post(
        f"{API}/checkout/sessions/cs_test_First/expire", json={**stripe_session("cs_test_First"), "status": "expired"}
    )
    stripe_api.post(f"{API}/checkout/sessions", json=stripe_session("cs_test_Second"))
    response = client.post(f"/events/orders/o/{order.token}/pay/")
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_Second"
    assert [call.request.url.rsplit("/v1/", 1)[1] for call in stripe_api.calls[1:]] == [
        "checkout/sessions/cs_test_First/expire",
        "checkout/sessions",
    ]
    first = {"id": "cs_test_First", "object": "checkout.session", "status": "expired", "payment_status": "unpaid",
             "metadata": {"kind": "tickets", "order_id": str(order.pk)}}  # fmt: skip
    sp.post(client, sp.event("checkout.session.expired", first))
    order.refresh_from_db()
    assert order.status == Order.Status.HELD and order.stripe_checkout_session_id == "cs_test_Second"


def test_a_refund_no_worker_made_is_asked_for_again_by_the_sweep(client, congress, paid_ticket, stripe_api):
    from events.tasks import end_ticket_holds

    late = order_for(congress, paid_ticket, "Ann")
    ticket_holds.expire(order_id=late.pk)
    order_for(congress, paid_ticket, "Bob", "Cat", "Dan")
    sp.post(client, completed(late))  # the worker that would refund never runs
    late.refresh_from_db()
    assert (late.status, late.refund_cents, late.refunded_at) == (Order.Status.REFUNDED, 9000, None)
    assert not stripe_api.calls, "nothing is asked of Stripe inside the webhook's transaction"
    stripe_api.post(f"{API}/refunds", json=refund_answer(amount=9000))
    end_ticket_holds()
    end_ticket_holds()
    late.refresh_from_db()
    assert late.refunded_at is not None
    assert len(stripe_api.calls) == 1
    assert Delivery.objects.filter(kind="ticket-order-refunded", to="ann@example.org").count() == 1
