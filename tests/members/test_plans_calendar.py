"""Plans on a fixed cycle: every term ends on the same day of the year, joining after the
cut-off covers the next year too, and reminders and Stripe's billing date follow the cycle."""

import datetime
from urllib.parse import parse_qs

import pytest
import responses
import time_machine

from audit.models import Entry
from members import dues, links, reminders, term_dates
from members.models import Checkout, Member, MembershipTerm, Payment, Plan
from notifications.models import Delivery
from tests.factories import MemberFactory, PlanFactory, UserFactory
from tests.mail import run_fan_outs
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db

API = "https://api.stripe.com/v1"
CUSTOMER = "cus_test_Calendar01"
SUBSCRIPTION = "sub_test_Calendar01"


def _at(day: datetime.date, hour: int = 12):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC), tick=False)


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _midnight(day: str) -> int:
    return int(datetime.datetime.combine(_day(day), datetime.time.min, tzinfo=datetime.UTC).timestamp())


@pytest.fixture
def calendar_plan(db):
    """Every term ends on 31 December; joining from 1 October covers all of next year too."""
    return PlanFactory(
        slug="calendar",
        name="Calendar member",
        amount_cents=6000,
        cycle_end_month=12,
        cycle_end_day=31,
        cutoff_month=10,
        cutoff_day=1,
    )


def _pay(member, plan, on: str):
    with _at(_day(on)):
        payment = dues.record_payment(
            member=member,
            plan=plan,
            amount_cents=plan.amount_cents,
            method=Payment.Method.CHEQUE,
            received_on=_day(on),
            by=None,
        )
    term = payment.terms.get()
    return term.start.isoformat(), term.end.isoformat()


# The dates, on plans that are never saved.


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-01-01", "2026-12-31"),
        ("2026-06-15", "2026-12-31"),
        ("2026-09-30", "2026-12-31"),  # the day before the cut-off: the rest of this year only
        ("2026-10-01", "2027-12-31"),  # on the cut-off: this year and all of the next
        ("2026-12-31", "2027-12-31"),
    ],
)
def test_a_term_runs_to_the_cycle_end_or_past_the_next_after_the_cut_off(start, end):
    plan = Plan(period="yearly", cycle_end_month=12, cycle_end_day=31, cutoff_month=10, cutoff_day=1)
    assert term_dates.term_end(plan, _day(start)) == _day(end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-07-01", "2027-06-30"),
        ("2026-03-31", "2026-06-30"),
        ("2026-04-01", "2027-06-30"),
        ("2026-06-30", "2027-06-30"),  # the cycle's last day is after this year's cut-off
    ],
)
def test_a_cycle_ending_mid_year_with_its_cut_off_in_the_spring(start, end):
    plan = Plan(period="yearly", cycle_end_month=6, cycle_end_day=30, cutoff_month=4, cutoff_day=1)
    assert term_dates.term_end(plan, _day(start)) == _day(end)


def test_without_a_cut_off_a_late_joiner_gets_the_rest_of_the_year_only():
    plan = Plan(period="yearly", cycle_end_month=12, cycle_end_day=31)
    assert term_dates.term_end(plan, _day("2026-12-20")) == _day("2026-12-31")


def test_a_plan_without_a_cycle_still_runs_a_year_from_the_day():
    assert term_dates.term_end(Plan(period="yearly"), _day("2026-03-01")) == _day("2027-02-28")


def test_a_cycle_ending_on_the_last_of_february_ends_on_the_29th_in_a_leap_year():
    plan = Plan(period="yearly", cycle_end_month=2, cycle_end_day=28)
    assert term_dates.term_end(plan, _day("2027-05-01")) == _day("2028-02-28")
    assert term_dates.term_end(plan, _day("2028-02-29")) == _day("2029-02-28")


# Payments on a calendar plan.


def test_joining_before_the_cut_off_covers_the_rest_of_this_year(member, calendar_plan):
    assert _pay(member, calendar_plan, "2026-03-10") == ("2026-03-10", "2026-12-31")


def test_joining_after_the_cut_off_covers_the_rest_of_this_year_and_all_of_the_next(member, calendar_plan):
    assert _pay(member, calendar_plan, "2026-10-15") == ("2026-10-15", "2027-12-31")


def test_renewing_early_buys_the_next_calendar_year(member, calendar_plan):
    _pay(member, calendar_plan, "2026-03-10")
    assert _pay(member, calendar_plan, "2026-11-20") == ("2027-01-01", "2027-12-31")


def test_renewing_in_grace_after_the_year_end_loses_no_day(member, calendar_plan):
    _pay(member, calendar_plan, "2026-03-10")
    assert _pay(member, calendar_plan, "2027-01-20") == ("2027-01-01", "2027-12-31")


def test_rejoining_after_lapse_late_in_the_year_covers_the_next_too(member, calendar_plan):
    _pay(member, calendar_plan, "2025-03-10")  # ended 31 December 2025
    assert _pay(member, calendar_plan, "2026-10-02") == ("2026-10-02", "2027-12-31")


def test_a_continued_term_already_over_on_the_day_of_payment_starts_on_that_day(member, plan):
    no_cut_off = PlanFactory(slug="calendar-no-cut-off", cycle_end_month=12, cycle_end_day=31)
    _pay(member, plan, "2025-12-11")  # a yearly plan from the day: ends 10 December 2026
    # Continuing from 11 December would buy 11 to 31 December, over by the day of payment.
    assert _pay(member, no_cut_off, "2027-01-05") == ("2027-01-05", "2027-12-31")


# Renewal reminders key off the term's end, so they follow the cycle.


def _reminders_on(day: str) -> set[str]:
    now = datetime.datetime.combine(_day(day), datetime.time(9), tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False):
        reminders.queue_renewal_reminders(now)
        run_fan_outs()
    return set(Delivery.objects.filter(kind="renewal-reminder").values_list("key", flat=True))


def test_reminders_follow_the_cycle_not_the_day_of_joining(member, calendar_plan):
    early, late = member, MemberFactory(user__email="late@example.org")
    _pay(early, calendar_plan, "2026-03-10")
    _pay(late, calendar_plan, "2026-10-15")
    early_term, late_term = MembershipTerm.objects.get(member=early), MembershipTerm.objects.get(member=late)
    assert _reminders_on("2026-12-01") == {f"renewal:{early.pk}:{early_term.pk}:-30d"}
    assert _reminders_on("2027-12-01") == {
        f"renewal:{early.pk}:{early_term.pk}:-30d",
        # The early member did not renew: lapsed since 31 December 2026, they are asked back.
        f"renewal:{early.pk}:{early_term.pk}:lapsed+60d",
        f"renewal:{late.pk}:{late_term.pk}:-30d",
    }


# Stripe: the first term is charged now, the subscription next on the cycle's first day.


def _form(call) -> dict:
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def _join_with_auto_renew(client, member, plan, on: str, *, auto_renew: bool = True) -> dict:
    Member.objects.filter(pk=member.pk).update(stripe_customer_id=CUSTOMER)
    client.force_login(member.user)
    session = {
        "id": "cs_test_Calendar",
        "object": "checkout.session",
        "mode": "subscription" if auto_renew else "payment",
        "url": "https://checkout.stripe.com/c/pay/cs_test_Calendar",
    }
    choice = {"plan": plan.slug, "pay": "card"} | ({f"{plan.slug}-auto_renew": "on"} if auto_renew else {})
    with _at(_day(on)), responses.RequestsMock() as stripe_api:
        stripe_api.post(f"{API}/checkout/sessions", json=session)
        response = client.post("/join/", choice)
        assert response.status_code == 302
        [call] = stripe_api.calls
    return _form(call)


def test_auto_renew_before_the_cut_off_anchors_billing_on_the_first_of_january(
    client, member, calendar_plan, stripe_keys
):
    form = _join_with_auto_renew(client, member, calendar_plan, "2026-06-15")
    assert form["mode"] == "subscription"
    assert form["line_items[0][price_data][unit_amount]"] == "6000"
    assert "line_items[0][price_data][recurring][interval]" not in form, "this term's dues are charged once, now"
    assert form["line_items[0][price_data][product_data][name]"] == (
        "Calendar member, Societas Demo Society: 15 June 2026 to 31 December 2026"
    )
    assert form["line_items[1][price_data][unit_amount]"] == "6000"
    assert form["line_items[1][price_data][recurring][interval]"] == "year"
    assert form["subscription_data[billing_cycle_anchor]"] == str(_midnight("2027-01-01"))
    assert form["subscription_data[proration_behavior]"] == "none"
    assert "subscription_data[trial_end]" not in form
    assert form["subscription_data[metadata][plan_id]"] == str(calendar_plan.pk)


def test_auto_renew_after_the_cut_off_waits_until_the_year_after_next(client, member, calendar_plan, stripe_keys):
    form = _join_with_auto_renew(client, member, calendar_plan, "2026-10-15")
    # More than a year away, beyond what a billing cycle anchor may be: a trial until then.
    assert form["subscription_data[trial_end]"] == str(_midnight("2028-01-01"))
    assert "subscription_data[billing_cycle_anchor]" not in form
    assert "subscription_data[proration_behavior]" not in form
    assert form["line_items[0][price_data][product_data][name]"].endswith("15 October 2026 to 31 December 2027")


def test_a_plan_without_a_cycle_keeps_one_yearly_line_and_no_anchor(client, member, plan, stripe_keys):
    form = _join_with_auto_renew(client, member, plan, "2026-06-15")
    assert form["line_items[0][price_data][recurring][interval]"] == "year"
    assert "line_items[1][quantity]" not in form
    assert not any(key.startswith(("subscription_data[billing", "subscription_data[trial")) for key in form)


def test_a_single_payment_on_a_cycle_names_its_days_on_stripes_page(client, member, calendar_plan, stripe_keys):
    form = _join_with_auto_renew(client, member, calendar_plan, "2026-10-15", auto_renew=False)
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][product_data][name]"] == (
        "Calendar member, Societas Demo Society: 15 October 2026 to 31 December 2027"
    )
    assert "line_items[1][quantity]" not in form


def test_a_single_payment_on_a_plan_without_a_cycle_keeps_the_plain_name(client, member, plan, stripe_keys):
    form = _join_with_auto_renew(client, member, plan, "2026-10-15", auto_renew=False)
    assert form["line_items[0][price_data][product_data][name]"] == "Regular member, Societas Demo Society"


def test_the_first_invoice_buys_this_term_and_stripe_charges_next_on_the_cycle(client, member, calendar_plan):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id=CUSTOMER)
    with _at(_day("2026-06-15")):
        checkout = Checkout.objects.create(
            member=member,
            plan=calendar_plan,
            amount_cents=6000,
            currency="USD",
            auto_renew=True,
            stripe_session_id="cs_test_Cal",
        )
        now, anchor = int(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC).timestamp()), _midnight("2027-01-01")
        invoice = sp.first_cycle_invoice(
            customer=CUSTOMER,
            subscription=SUBSCRIPTION,
            meta=sp.metadata(checkout),
            amount=6000,
            now=now,
            anchor=anchor,
            plan_name="Calendar member, Societas Demo Society",
            term="15 June 2026 to 31 December 2026",
        )
        session = sp.checkout_session(checkout, customer=CUSTOMER, subscription=SUBSCRIPTION, invoice=invoice["id"])
        for evt in (sp.event("checkout.session.completed", session), sp.event("invoice.paid", invoice)):
            assert sp.post(client, evt).status_code == 200
    member.refresh_from_db()
    term = MembershipTerm.objects.get(member=member)
    assert (term.start, term.end) == (_day("2026-06-15"), _day("2026-12-31"))
    assert member.auto_renew and member.renews_on == _day("2027-01-01")

    with _at(_day("2027-01-01"), hour=1):
        renewal = sp.invoice(
            customer=CUSTOMER,
            subscription=SUBSCRIPTION,
            meta=sp.metadata(checkout),
            amount=6000,
            period_start=anchor,
            period_end=_midnight("2028-01-01"),
            billing_reason="subscription_cycle",
        )
        sp.post(client, sp.event("invoice.paid", renewal))
    second = MembershipTerm.objects.filter(member=member).exclude(pk=term.pk).get()
    assert (second.start, second.end) == (_day("2027-01-01"), _day("2027-12-31"))
    member.refresh_from_db()
    assert member.renews_on == _day("2028-01-01")


# The plan form.


def _plan_post(**changes) -> dict:
    data = {
        "name": "Calendar member",
        "slug": "calendar-member",
        "pricing": "fixed",
        "amount_cents": "60",
        "period": "yearly",
        "auto_renew_offered": "on",
        "is_open": "on",
        "display_order": "1",
        "cycle_end_month": "12",
        "cycle_end_day": "31",
        "cutoff_month": "10",
        "cutoff_day": "1",
        "covers_people": "1",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_treasurer_sets_a_plan_on_the_calendar_year_and_the_log_says_so(client, treasurer):
    client.force_login(treasurer)
    response = client.post("/manage/plans/new/", _plan_post())
    assert response.status_code == 302
    plan = Plan.objects.get(slug="calendar-member")
    assert (plan.cycle_end_month, plan.cycle_end_day, plan.cutoff_month, plan.cutoff_day) == (12, 31, 10, 1)
    entry = Entry.objects.get(action="plan.created")
    assert entry.changes["cycle_end_month"] == [None, 12] and entry.changes["cutoff_day"] == [None, 1]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cycle_end_month": "11", "cycle_end_day": "31"}, "cycle_end_day", "a number from 1 to 30"),
        ({"cycle_end_month": "2", "cycle_end_day": "29"}, "cycle_end_day", "a number from 1 to 28"),
        ({"cycle_end_month": "", "cycle_end_day": "31"}, "cycle_end_month", "Choose the month"),
        ({"cycle_end_month": "", "cycle_end_day": ""}, "cutoff_month", "A cut-off needs a cycle"),
        ({"period": "lifetime"}, "cycle_end_month", "Only a yearly plan"),
    ],
)
def test_a_cycle_that_cannot_be_worked_out_is_refused_and_nothing_saved(client, treasurer, changes, field, message):
    client.force_login(treasurer)
    response = client.post("/manage/plans/new/", _plan_post(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Plan.objects.exists()


def test_the_admin_refuses_a_cycle_that_cannot_be_worked_out_too(client, calendar_plan):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {"name": "Calendar member", "slug": "calendar", "pricing": "fixed", "amount_cents": "6000"}
    form.update({"minimum_cents": "0", "currency": "USD", "period": "yearly", "display_order": "0"})
    form.update({"cycle_end_month": "11", "cycle_end_day": "31", "covers_people": "1"})
    response = client.post(f"/admin/members/plan/{calendar_plan.pk}/change/", form)
    assert response.status_code == 200 and "a number from 1 to 30" in response.content.decode()
    calendar_plan.refresh_from_db()
    assert (calendar_plan.cycle_end_month, calendar_plan.cycle_end_day) == (12, 31)


def test_a_plan_that_needs_approval_must_ask_its_question(client, treasurer):
    client.force_login(treasurer)
    response = client.post("/manage/plans/new/", _plan_post(needs_approval="on", approval_question="  "))
    assert "Write the question applicants answer" in " ".join(response.context["form"].errors["approval_question"])
    assert not Plan.objects.exists()


def test_the_local_test_checkout_follows_the_cycle_too(client, member, calendar_plan, settings):
    settings.DEBUG = True
    client.force_login(member.user)
    with _at(_day("2026-06-15")):
        response = client.post("/join/", {"plan": "calendar", "pay": "card", "calendar-auto_renew": "on"})
        client.post(response["Location"])  # "Pay": Stripe's events, signed, through the real webhook
    member.refresh_from_db()
    term = MembershipTerm.objects.get(member=member)
    assert (term.start, term.end) == (_day("2026-06-15"), _day("2026-12-31"))
    assert member.auto_renew and member.renews_on == _day("2027-01-01")


# What a payment made now buys, shown before paying.


def _page(client, url: str, on: str, member=None) -> str:
    with _at(_day(on)):
        if member is not None:
            client.force_login(member.user)
        return client.get(url).content.decode()


def test_the_join_page_says_which_days_paying_now_buys(client, member, calendar_plan, plan):
    page = _page(client, "/join/", "2026-06-15")
    assert "Paying now covers 15 June 2026 to 31 December 2026." in page, "a newcomer, before the cut-off"
    assert page.count("Paying now covers") == 1, "only on the plan with a cycle"
    page = _page(client, "/join/", "2026-10-15", member)
    assert "Paying now covers 15 October 2026 to 31 December 2027." in page, "after the cut-off"


def test_a_member_renewing_early_is_shown_the_next_calendar_year(client, member, calendar_plan):
    _pay(member, calendar_plan, "2026-03-10")
    assert "Paying now covers 1 January 2027 to 31 December 2027." in _page(client, "/join/", "2026-11-20", member)


def test_a_renewal_link_shows_the_days_only_to_the_member_signed_in(client, member, calendar_plan):
    _pay(member, calendar_plan, "2026-03-10")
    url = f"/renew/{links.renewal_token(member, member.terms.get())}/"
    assert "Paying now covers" not in _page(client, url, "2026-12-01")
    other = MemberFactory(user__email="other@example.org")
    assert "Paying now covers" not in _page(client, url, "2026-12-01", other)
    assert "Paying now covers 1 January 2027 to 31 December 2027." in _page(client, url, "2026-12-01", member)


def test_the_local_test_checkout_names_the_days_it_buys(client, member, calendar_plan, settings):
    settings.DEBUG = True
    with _at(_day("2026-10-15")):
        client.force_login(member.user)
        response = client.post("/join/", {"plan": "calendar", "pay": "card"})
        page = client.get(response["Location"]).content.decode()
    assert "<dt>Term</dt><dd>15 October 2026 to 31 December 2027</dd>" in page
