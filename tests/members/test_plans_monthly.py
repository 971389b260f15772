"""Monthly dues: a Stripe subscription charged each month, each payment a month's term."""

import datetime
from urllib.parse import parse_qs

import pytest
import responses
import time_machine

from members import dues, reminders, term_dates
from members.models import Checkout, Member, MembershipTerm, Payment, Plan
from notifications.models import Delivery
from tests.factories import PlanFactory
from tests.mail import run_fan_outs
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db

API = "https://api.stripe.com/v1"
CUSTOMER = "cus_test_Monthly01"
SUBSCRIPTION = "sub_test_Monthly01"
NOW = datetime.datetime(2026, 1, 31, 12, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def monthly_plan(db):
    return PlanFactory(slug="monthly", name="Monthly member", amount_cents=600, period=Plan.Period.MONTHLY)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-01-15", "2026-02-14"),
        ("2026-01-28", "2026-02-27"),
        ("2026-01-31", "2026-02-28"),  # February has no 31st: the term runs to its last day
        ("2026-03-01", "2026-03-31"),
        ("2026-12-10", "2027-01-09"),
    ],
)
def test_a_monthly_term_runs_a_month(start, end):
    plan = Plan(period=Plan.Period.MONTHLY)
    assert term_dates.term_end(plan, datetime.date.fromisoformat(start)) == datetime.date.fromisoformat(end)


def test_each_monthly_payment_continues_from_the_last_end(member, monthly_plan):
    for _month in range(3):
        dues.record_payment(
            member=member,
            plan=monthly_plan,
            amount_cents=600,
            method=Payment.Method.CARD,
            received_on=NOW.date(),
            by=None,
        )
    spans = list(MembershipTerm.objects.filter(member=member).values_list("start", "end"))
    assert [(s.isoformat(), e.isoformat()) for s, e in spans] == [
        ("2026-01-31", "2026-02-28"),
        ("2026-03-01", "2026-03-31"),
        ("2026-04-01", "2026-04-30"),
    ]


def _monthly_card(client) -> str:
    page = client.get("/join/").content.decode()
    return page[page.index('id="plan-monthly"') :]


def test_the_join_page_offers_monthly_dues_by_card_only(client, member, monthly_plan, settings):
    client.force_login(member.user)
    card = _monthly_card(client)
    assert "card payments are not available at the moment" in card and "Pay by card" not in card
    settings.DEBUG = True  # the local test checkout takes cards
    card = _monthly_card(client)
    assert "a month" in card and "Pay by card, each month" in card
    assert "monthly-auto_renew" not in card and "monthly-offline_method" not in card


def test_paying_monthly_dues_offline_is_refused(client, member, monthly_plan):
    client.force_login(member.user)
    response = client.post("/join/", {"plan": "monthly", "pay": "offline", "monthly-offline_method": "cheque"})
    assert "Monthly dues are paid by card" in response.content.decode()
    assert not member.promises.exists()


def test_monthly_dues_are_a_stripe_subscription_by_the_month(client, member, monthly_plan, stripe_keys):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id=CUSTOMER)
    client.force_login(member.user)
    session = {
        "id": "cs_test_Monthly",
        "object": "checkout.session",
        "mode": "subscription",
        "url": "https://checkout.stripe.com/c/pay/cs_test_Monthly",
    }
    with responses.RequestsMock() as stripe_api:
        stripe_api.post(f"{API}/checkout/sessions", json=session)
        response = client.post("/join/", {"plan": "monthly", "pay": "card"})  # no box to tick
        [call] = stripe_api.calls
    assert response.status_code == 302
    form = {key: values[0] for key, values in parse_qs(call.request.body).items()}
    assert form["mode"] == "subscription"
    assert form["line_items[0][price_data][unit_amount]"] == "600"
    assert form["line_items[0][price_data][recurring][interval]"] == "month"
    assert "line_items[1][quantity]" not in form
    assert not any(key.startswith(("subscription_data[billing", "subscription_data[trial")) for key in form)
    assert Checkout.objects.get().auto_renew


def test_monthly_invoices_each_buy_a_month(client, member, monthly_plan, make_checkout):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id=CUSTOMER)
    checkout = make_checkout(member, monthly_plan, auto_renew=True)
    start = int(NOW.timestamp())
    first = sp.invoice(
        customer=CUSTOMER,
        subscription=SUBSCRIPTION,
        meta=sp.metadata(checkout),
        amount=600,
        period_start=start,
        period_end=start + 28 * 86400,
    )
    session = sp.checkout_session(checkout, customer=CUSTOMER, subscription=SUBSCRIPTION, invoice=first["id"])
    for evt in (sp.event("checkout.session.completed", session), sp.event("invoice.paid", first)):
        sp.post(client, evt)
    member.refresh_from_db()
    assert member.renews_on == datetime.date(2026, 2, 28)
    with time_machine.travel(datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC), tick=False):
        second = sp.invoice(
            customer=CUSTOMER,
            subscription=SUBSCRIPTION,
            meta=sp.metadata(checkout),
            amount=600,
            period_start=start + 28 * 86400,
            period_end=start + 59 * 86400,
            billing_reason="subscription_cycle",
        )
        sp.post(client, sp.event("invoice.paid", second))
    spans = list(MembershipTerm.objects.filter(member=member).values_list("start", "end"))
    assert spans == [
        (datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)),
    ]


def test_no_auto_renew_notice_before_each_monthly_charge(member, plan, monthly_plan):
    MembershipTerm.objects.create(member=member, plan=monthly_plan, start=NOW.date(), end=datetime.date(2026, 2, 28))
    Member.objects.filter(pk=member.pk).update(
        auto_renew=True, stripe_subscription_id="sub_test_M", renews_on=datetime.date(2026, 2, 4)
    )
    reminders.queue_auto_renew_notices(NOW)
    run_fan_outs()
    assert not Delivery.objects.filter(kind="auto-renew-notice").exists()


def test_a_monthly_plan_cannot_run_on_a_fixed_cycle(client, treasurer):
    client.force_login(treasurer)
    data = {
        "name": "Monthly",
        "pricing": "fixed",
        "amount_cents": "6",
        "period": "monthly",
        "display_order": "1",
        "cycle_end_month": "12",
        "cycle_end_day": "31",
    }
    response = client.post("/manage/plans/new/", data)
    assert "Only a yearly plan can run on a fixed cycle." in response.content.decode()
    data.pop("cycle_end_month"), data.pop("cycle_end_day")
    assert client.post("/manage/plans/new/", data).status_code == 302
    assert Plan.objects.get().is_monthly
