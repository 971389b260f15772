"""A calendar-year plan from joining to renewal: every term ends on 31 December, and joining
from 1 October covers all of the next year too. The dates a payment buys are on the join
page and the checkout before paying and on /membership/ after; the renewal reminder comes a
month before 31 December, and renewing from it buys the next calendar year. With auto-renew,
the subscription Stripe is asked for charges next on 1 January.

The year is next year, so the days are always ahead of the real clock the browser reads."""

import datetime
import json
from urllib.parse import parse_qs

import responses
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from members import stripe as card
from members.models import Checkout, Member, MembershipTerm
from tests.e2e.conftest import sign_in
from tests.e2e.plan_steps import pay_on_local_checkout, send_due_reminders, server_clock
from tests.factories import PlanFactory
from tests.members import stripe_payloads as sp

STRIPE_API = "https://api.stripe.com/v1"


def _day(day: datetime.date) -> str:
    return date_format(day, "j F Y")


def _covers(start: datetime.date, end: datetime.date) -> str:
    return f"Paying now covers {_day(start)} to {_day(end)}"


def _current_term(email: str) -> tuple[datetime.date, datetime.date]:
    term = Member.objects.get(user__email=email).current_term()
    return term.start, term.end


def _join_on_the_calendar_plan(page, site, check_page, *, email: str, covers: tuple, shot: str) -> None:
    """Signed in, on the join page: the plan's card says what paying today buys; pay on the local checkout."""
    sign_in(page, site, email)
    page.goto(f"{site.url}/join/")
    plan_card = page.locator("#plan-calendar")
    expect(plan_card).to_contain_text("Every term ends on 31 December.")
    expect(plan_card).to_contain_text(_covers(*covers))
    check_page(page, f"join-{shot}")
    plan_card.get_by_role("button", name="Pay by card").click()
    expect(page.locator("main")).to_contain_text(f"{_day(covers[0])} to {_day(covers[1])}")
    pay_on_local_checkout(page, check_page, amount="$60.00", shot=f"local-checkout-{shot}")
    page.get_by_role("link", name="Go to my membership").click()
    expect(page.locator("main")).to_contain_text(f"{_day(covers[0])} to {_day(covers[1])}")
    check_page(page, f"membership-{shot}")
    assert _current_term(email) == covers


def _session_for_success_url(request):
    """Stripe's answer to "create a Checkout Session": its hosted page is stood in for by
    the session's own success page, where Stripe sends the member back after paying."""
    form = {key: values[0] for key, values in parse_qs(request.body).items()}
    session = {"id": "cs_test_CalendarE2E", "object": "checkout.session", "mode": form["mode"]}
    return 200, {}, json.dumps({**session, "url": form["success_url"]})


def _auto_renew_through_stripe(page, site, check_page, stripe_settings, *, email: str, year: int) -> dict:
    """With Stripe keys: the member ticks auto-renew and pays; returns the Checkout Session
    request as Stripe received it, then delivers Stripe's events for the payment."""
    stripe_settings.STRIPE_SECRET_KEY = "sk_test_51SocietasE2E"
    stripe_settings.STRIPE_WEBHOOK_SECRET = sp.SECRET
    sign_in(page, site, email)
    page.goto(f"{site.url}/join/")
    plan_card = page.locator("#plan-calendar")
    plan_card.get_by_label("Renew automatically each year by card").check()
    with responses.RequestsMock() as stripe_api:
        stripe_api.post(f"{STRIPE_API}/customers", json={"id": "cus_test_CalE2E", "object": "customer"})
        stripe_api.add_callback(responses.POST, f"{STRIPE_API}/checkout/sessions", callback=_session_for_success_url)
        plan_card.get_by_role("button", name="Pay by card").click()
        page.wait_for_url("**/join/done/**")
        [_customer, call] = stripe_api.calls
    expect(page.locator("#checkout-status")).to_contain_text("We are confirming your payment")
    check_page(page, "confirming-auto-renew")

    checkout = Checkout.objects.get(member__user__email=email)
    anchor = card.day_starts(datetime.date(year + 1, 1, 1))
    session = sp.checkout_session(
        checkout, customer="cus_test_CalE2E", subscription="sub_test_CalE2E", invoice="in_test_CalE2E"
    )
    invoice = sp.first_cycle_invoice(
        customer="cus_test_CalE2E",
        subscription="sub_test_CalE2E",
        meta=sp.metadata(checkout),
        amount=6000,
        now=int(timezone.now().timestamp()),
        anchor=anchor,
        plan_name="Calendar year",
        term="this term",
    )
    for event in (sp.event("checkout.session.completed", session), sp.event("invoice.paid", invoice)):
        assert sp.post(Client(), event, apply=False).status_code == 200
    expect(page.locator("#checkout-status")).to_have_attribute("data-confirmed", "true", timeout=20_000)
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def test_a_calendar_year_plan_from_joining_to_renewal(site, page, browser, check_page, person, settings):
    year = timezone.localdate().year + 1
    PlanFactory(slug="regular", name="Regular member", amount_cents=6000, display_order=0)
    PlanFactory(
        slug="calendar",
        name="Calendar year",
        amount_cents=6000,
        display_order=1,
        auto_renew_offered=True,
        cycle_end_month=12,
        cycle_end_day=31,
        cutoff_month=10,
        cutoff_day=1,
    )
    for email in ("cara@example.org", "leo@example.org", "ada@example.org"):
        person(email)
    june, october = datetime.date(year, 6, 15), datetime.date(year, 10, 15)
    this_year_end, next_year_end = datetime.date(year, 12, 31), datetime.date(year + 1, 12, 31)

    with server_clock() as clock:
        # Before the cut-off: the rest of this year. After it: this year and all of the next.
        clock.move_to(june)
        _join_on_the_calendar_plan(
            page, site, check_page, email="cara@example.org", covers=(june, this_year_end), shot="june"
        )
        # Auto-renew through Stripe: this term charged now, the subscription next on 1 January.
        ada = browser.new_context().new_page()
        form = _auto_renew_through_stripe(ada, site, check_page, settings, email="ada@example.org", year=year)
        midnight = card.day_starts(datetime.date(year + 1, 1, 1))
        assert form["subscription_data[billing_cycle_anchor]"] == str(midnight)
        assert form["subscription_data[proration_behavior]"] == "none"
        assert form["line_items[0][price_data][product_data][name]"].endswith(f"{_day(june)} to {_day(this_year_end)}")
        assert "line_items[0][price_data][recurring][interval]" not in form
        assert form["line_items[1][price_data][recurring][interval]"] == "year"
        ada.get_by_role("link", name="Go to my membership").click()
        expect(ada.locator("main")).to_contain_text(f"your card is charged on 1 January {year + 1}")
        expect(ada.locator("main")).to_contain_text(f"{_day(june)} to {_day(this_year_end)}")
        check_page(ada, "membership-auto-renew")
        settings.STRIPE_SECRET_KEY = ""  # the local test checkout again, for the rest

        clock.move_to(october)
        leo = browser.new_context().new_page()
        _join_on_the_calendar_plan(
            leo, site, check_page, email="leo@example.org", covers=(october, next_year_end), shot="october"
        )

        # A month before 31 December the reminder goes to Cara, whose term ends then; not to Leo.
        clock.move_to(datetime.date(year, 12, 1))
        send_due_reminders()
        reminder = site.mail_to("cara@example.org", "membership ends in 30 days")
        text = reminder.get_body(("plain",)).get_content()
        assert f"ends on {_day(this_year_end)}" in text
        assert not [m for m in site.smtp.messages if "leo@" in str(m["To"]) and "ends in" in str(m["Subject"])]

        # Renewing from the link buys the next calendar year, from 1 January.
        renewal = browser.new_context().new_page()
        renewal.goto(site.link_in(reminder, "/renew/"))
        check_page(renewal, "renew-from-reminder")
        renewal.locator("#plan-calendar").get_by_role("button", name="Pay by card").click()
        next_year = (datetime.date(year + 1, 1, 1), next_year_end)
        expect(renewal.locator("main")).to_contain_text(f"{_day(next_year[0])} to {_day(next_year[1])}")
        pay_on_local_checkout(renewal, check_page, amount="$60.00", shot="local-checkout-renewal")
        terms = MembershipTerm.objects.filter(member__user__email="cara@example.org").order_by("start")
        assert [(t.start, t.end) for t in terms] == [(june, this_year_end), next_year]
        sign_in(page, site, "cara@example.org")  # her June session has ended
        expect(page.locator("dd", has_text=_day(next_year_end))).to_be_visible()
        check_page(page, "membership-renewed")
