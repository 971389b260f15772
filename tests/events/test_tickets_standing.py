"""Prices by standing, checked when the money arrives: join or renew and register in one checkout,
and the local test checkout for ticket orders."""

import time

import pytest
from django.contrib.messages import get_messages

from events.ticket_offers import buyer_of, offers_for
from events.ticket_orders import Attendee, place_order
from events.ticket_records import Order, TicketType
from members import stripe_webhooks
from members.models import Payment, Standing
from tests.events.helpers import make_member
from tests.events.test_tickets_payment import completed, refund_answer
from tests.events.ticket_fixtures import use_test_stripe
from tests.factories import EventFactory, PlanFactory, UserFactory
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db
API = "https://api.stripe.com/v1"


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    use_test_stripe(settings)


@pytest.fixture
def plan(db):
    return PlanFactory(slug="regular", name="Regular", amount_cents=6000, currency="USD")


@pytest.fixture
def congress(db):
    return EventFactory(kind="congress", capacity=2)


@pytest.fixture
def prices(congress):
    member = TicketType.objects.create(event=congress, name="Member", price_cents=4500, audience="good_standing")
    other = TicketType.objects.create(event=congress, name="Non-member", price_cents=12000)
    return member, other


def renewing_order(congress, member_ticket, user, plan):
    return place_order(event=congress, user=user, buyer_name="Lee", buyer_email=user.email, dues_plan=plan,
                       attendees=[Attendee(member_ticket.pk, "Lee", user.email)])  # fmt: skip


def test_a_newcomer_is_offered_join_and_pay_the_member_price_only_where_it_costs_less(congress, prices, plan):
    offers = offers_for(congress, buyer=buyer_of(UserFactory()))
    assert [(o.ticket_type.name, o.via, o.dues_cents) for o in offers] == [
        ("Member", "join", 6000),
        ("Non-member", "", 0),
    ]
    prices[1].price_cents = 9000  # 60 + 45 is dearer than 90 now: no such offer
    prices[1].save()
    assert [o.via for o in offers_for(congress, buyer=buyer_of(UserFactory()))] == ["", ""]


def test_a_lapsed_member_renews_and_registers_in_one_checkout_at_the_member_price(client, congress, prices, plan):
    user = make_member(lapsed=True)
    order = renewing_order(congress, prices[0], user, plan)
    assert (order.total_cents, order.dues_cents, order.charged_cents) == (4500, 6000, 10500)
    sp.post(client, completed(order))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    user.member.refresh_from_db()
    assert user.member.standing() == Standing.ACTIVE
    dues = Payment.objects.get(stripe_checkout_session_id="cs_test_T1ckets")
    assert (dues.member, dues.amount_cents, dues.plan) == (user.member, 6000, plan)


def test_a_newcomer_joins_and_registers_in_one_checkout(client, congress, prices, plan):
    user = UserFactory()
    order = renewing_order(congress, prices[0], user, plan)
    sp.post(client, completed(order))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert user.member.standing() == Standing.ACTIVE


def test_when_the_dues_cannot_be_applied_the_member_ticket_is_not_confirmed_and_all_is_refunded(
    client, congress, prices, plan, stripe_api, settle
):
    stripe_api.post(f"{API}/refunds", json=refund_answer(amount=10500))
    user = make_member(lapsed=True)
    order = renewing_order(congress, prices[0], user, plan)
    evt = completed(order)
    evt["created"] = int(time.time()) + 3 * 86400  # dues dated in the future are refused by members' rules
    settle(evt)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert not Payment.objects.filter(stripe_checkout_session_id="cs_test_T1ckets").exists()
    assert stripe_api.calls[0].request.body.count("amount=10500") == 1


def test_a_late_join_and_register_for_a_full_event_keeps_no_dues_and_refunds_all(
    client, congress, prices, plan, stripe_api, settle
):
    from events import ticket_holds

    stripe_api.post(f"{API}/refunds", json=refund_answer(amount=10500))
    user = UserFactory()
    order = renewing_order(congress, prices[0], user, plan)
    ticket_holds.expire(order_id=order.pk)
    others = [Attendee(prices[1].pk, "A", "a@example.org"), Attendee(prices[1].pk, "B", "b@example.org")]
    place_order(event=congress, user=None, buyer_name="A", buyer_email="a@example.org", attendees=others)
    settle(completed(order))
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert not Payment.objects.filter(kind="dues").exists(), "the dues of a refunded order are not kept"
    assert Payment.objects.get(kind="tickets").status == "refunded"


@pytest.fixture
def local_checkout(settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""


def _buy(client, congress, kind):
    data = {f"q-{kind.pk}": "2", "a0-ticket_type": kind.pk, "a0-name": "Ann", "a0-email": "ann@example.org",
            "a1-ticket_type": kind.pk, "a1-name": "Guest", "a1-email": "guest@example.org"}  # fmt: skip
    return client.post(f"/events/{congress.slug}/register/", data)


def test_the_local_test_checkout_pays_a_ticket_order_through_the_real_webhook(client, congress, prices, local_checkout):
    response = _buy(client, congress, prices[1])
    order = Order.objects.get()
    assert response["Location"] == f"/events/orders/o/{order.token}/test-checkout/"
    page = client.get(response["Location"])
    assert "Decline the card" in page.content.decode()
    client.post(response["Location"], {"action": "pay"})
    stripe_webhooks.process_waiting()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert sorted(order.lines.values_list("rsvp__status", flat=True)) == ["yes", "yes"]


def test_declining_the_card_on_the_local_test_checkout_charges_nothing_and_keeps_the_hold(
    client, congress, prices, local_checkout
):
    response = _buy(client, congress, prices[1])
    declined = client.post(response["Location"], {"action": "decline"})
    stripe_webhooks.process_waiting()
    order = Order.objects.get()
    assert order.status == Order.Status.HELD
    assert declined["Location"] == order.capability_url
    assert "declined" in " ".join(str(m) for m in get_messages(declined.wsgi_request))


def test_a_lapsed_member_renews_and_registers_through_the_pages_on_the_local_checkout(
    client, congress, prices, plan, local_checkout
):
    user = make_member(lapsed=True)
    client.force_login(user)
    page = client.get(f"/events/{congress.slug}/register/").content.decode()
    assert "Renew and pay the member price." in page
    member_ticket = prices[0]
    step = client.post(f"/events/{congress.slug}/register/", {f"q-{member_ticket.pk}": "1"}).content.decode()
    assert 'id="dues-note"' in step
    data = {f"q-{member_ticket.pk}": "1", "a0-ticket_type": member_ticket.pk, "a0-name": "Lee", "a0-email": user.email}
    response = client.post(f"/events/{congress.slug}/register/", data)
    order = Order.objects.get()
    assert order.charged_cents == member_ticket.price_cents + order.dues_cents
    assert order.dues_plan is not None
    checkout = client.get(response["Location"]).content.decode()
    assert "Decline the card" in checkout
    client.post(response["Location"], {"action": "pay"})
    stripe_webhooks.process_waiting()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert user.member.standing() == Standing.ACTIVE
    assert "Your ticket orders" in client.get("/membership/").content.decode()


def test_a_visitor_not_signed_in_is_asked_to_sign_in_to_join_for_the_member_price(client, congress, prices, plan):
    response = client.post(f"/events/{congress.slug}/register/", {f"q-{prices[0].pk}": "1"})
    assert response.status_code == 400
    assert "Sign in or create an account" in response.content.decode()
    assert not Order.objects.exists()
