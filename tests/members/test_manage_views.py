"""The treasurer's pages: who may see them, recording money, the lists and their CSV."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import arrears, dues
from members.models import FailedPayment, Member, MemberNote, Payment, PaymentPromise, Plan, Standing
from notifications.models import Delivery
from tests.factories import MemberFactory, PaymentFactory, PromiseFactory, TermFactory, UserFactory
from tests.mail import composed

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _paid(member, plan, *, days_ago=0, method="cheque"):
    return dues.record_payment(
        by=None,
        member=member,
        plan=plan,
        amount_cents=plan.amount_cents,
        method=method,
        received_on=TODAY - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def signed_in_treasurer(client, treasurer):
    client.force_login(treasurer)
    return client


TREASURER_PAGES = [
    "/manage/members/",
    "/manage/members/?format=csv",
    "/manage/payments/",
    "/manage/payments/?format=csv",
    "/manage/dues/",
    "/manage/plans/",
    "/manage/plans/new/",
]


@pytest.mark.parametrize("url", TREASURER_PAGES)
def test_organisers_and_members_get_403_on_the_treasurers_pages(client, organiser, member, url):
    client.force_login(organiser)
    assert client.get(url).status_code == 403
    client.force_login(member.user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", TREASURER_PAGES)
def test_treasurers_and_superusers_see_the_treasurers_pages(client, treasurer, url):
    client.force_login(treasurer)
    assert client.get(url).status_code == 200
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/manage/payments/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_organiser_gets_403_on_one_payment_and_its_receipt(client, organiser, member, plan):
    payment = _paid(member, plan)
    client.force_login(organiser)
    assert client.get(f"/manage/payments/{payment.pk}/").status_code == 403
    assert client.get(f"/manage/payments/{payment.pk}/receipt/").status_code == 403
    assert client.post(f"/manage/payments/{payment.pk}/refund/", {"refund-reason": "x"}).status_code == 403
    assert client.get(f"/manage/members/{member.pk}/").status_code == 403


def test_manage_index_shows_the_treasurers_cards_to_treasurers_only(client, treasurer, organiser):
    client.force_login(treasurer)
    assert "/manage/payments/" in client.get("/manage/").content.decode()
    client.force_login(organiser)
    assert "/manage/payments/" not in client.get("/manage/").content.decode()


def test_offline_payment_recorded_by_the_treasurer_activates_the_member(signed_in_treasurer, member, plan, treasurer):
    response = signed_in_treasurer.post(
        f"/manage/members/{member.pk}/payments/new/",
        {
            "plan": plan.pk,
            "method": "cheque",
            "amount": "60.00",
            "received_on": TODAY.isoformat(),
            "reference": "Cheque 001234",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.standing() == Standing.ACTIVE and member.member_number is not None
    payment = Payment.objects.get()
    assert (payment.method, payment.amount_cents, payment.recorded_by) == ("cheque", 6000, treasurer)
    assert payment.reference == "Cheque 001234"
    receipt = composed(Delivery.objects.get(kind="receipt"))
    assert receipt.to == "ann@example.org" and payment.receipt_number in receipt.body_text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "cheque", "amount": ""}, "Enter the amount received"),
        ({"method": "cheque", "amount": "sixty"}, "Enter an amount as a number"),
        ({"method": "cash", "amount": "-5"}, "cannot be negative"),
        ({"method": "cheque", "amount": "60", "received_on": "2999-01-01"}, "cannot be in the future"),
        ({"method": "card", "amount": "60"}, "Select a valid choice"),
    ],
)
def test_a_bad_offline_payment_is_refused_and_changes_nothing(signed_in_treasurer, member, plan, data, message):
    form = {"plan": plan.pk, "received_on": TODAY.isoformat(), **data}
    response = signed_in_treasurer.post(f"/manage/members/{member.pk}/payments/new/", form)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Payment.objects.exists()


def test_complimentary_membership_needs_no_amount(signed_in_treasurer, member, plan):
    signed_in_treasurer.post(
        f"/manage/members/{member.pk}/payments/new/",
        {"plan": plan.pk, "method": "complimentary", "amount": "", "received_on": TODAY.isoformat()},
    )
    assert Payment.objects.get().amount_cents == 0 and member.standing() == Standing.ACTIVE


def test_recording_a_promised_cheque_is_prefilled_and_closes_the_promise(signed_in_treasurer, member, plan):
    PromiseFactory(member=member, plan=plan, amount_cents=6000, method="cheque")
    page = signed_in_treasurer.get(f"/manage/members/{member.pk}/payments/new/").content.decode()
    assert 'value="60.00"' in page and "promised to pay" in page
    signed_in_treasurer.post(
        f"/manage/members/{member.pk}/payments/new/",
        {"plan": plan.pk, "method": "cheque", "amount": "60", "received_on": TODAY.isoformat()},
    )
    assert PaymentPromise.objects.get().status == PaymentPromise.Status.FULFILLED


def test_cheque_for_another_member_is_found_in_the_filtered_list_and_the_csv(signed_in_treasurer, plan):
    bob = MemberFactory(first_name="Bob", last_name="Cheque", user__email="bob@example.org")
    MemberFactory(first_name="Carol", last_name="Unpaid")
    signed_in_treasurer.post(
        f"/manage/members/{bob.pk}/payments/new/",
        {"plan": plan.pk, "method": "cheque", "amount": "60", "received_on": TODAY.isoformat()},
    )
    bob.refresh_from_db()
    page = signed_in_treasurer.get("/manage/members/", {"standing": "active", "q": "cheque"}).content.decode()
    assert "Bob Cheque" in page and "Carol" not in page
    rows = _csv(signed_in_treasurer.get("/manage/members/", {"standing": "active", "format": "csv"}))
    assert rows[0][:5] == ["Member number", "First name", "Last name", "Email", "Standing"]
    assert rows[1][:5] == [str(bob.member_number), "Bob", "Cheque", "bob@example.org", "Active"]
    assert len(rows) == 2
    payments = _csv(signed_in_treasurer.get("/manage/payments/", {"method": "cheque", "format": "csv"}))
    assert payments[1][3:9] == ["Bob Cheque", "bob@example.org", plan.name, "60.00", "USD", "Cheque"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "ada"}, {"Ada Lovelace"}),
        ({"q": "lovelace ada"}, {"Ada Lovelace"}),
        ({"q": "babbage@example"}, {"Charles Babbage"}),
        ({"q": "#2"}, {"Charles Babbage"}),
        ({"standing": "grace"}, {"Mary Somerville"}),
        ({"standing": "lapsed"}, {"John Herschel"}),
        ({"standing": "pending"}, {"Nora Newcomer"}),
        ({"ends_within": "30"}, {"Charles Babbage"}),
        ({"auto_renew": "yes"}, {"Ada Lovelace"}),
        ({"plan": "sustaining"}, {"Charles Babbage"}),
    ],
)
def test_member_list_search_and_filters(signed_in_treasurer, plan, query, expected):
    sustaining = Plan.objects.create(slug="sustaining", name="Sustaining", amount_cents=15000)
    people = {
        "Ada Lovelace": (plan, 10),
        "Charles Babbage": (sustaining, 350),
        "Mary Somerville": (plan, 380),
        "John Herschel": (plan, 600),
        "Nora Newcomer": None,
    }
    for name, paid in people.items():
        first, last = name.split()
        person = MemberFactory(first_name=first, last_name=last, user__email=f"{last.lower()}@example.org")
        if paid:
            _paid(person, paid[0], days_ago=paid[1])
    Member.objects.filter(last_name="Lovelace").update(auto_renew=True)
    if "plan" in query:
        query = {"plan": sustaining.pk}
    page = signed_in_treasurer.get("/manage/members/", query).content.decode()
    shown = {name for name in people if name in page}
    assert shown == expected


def test_member_list_is_paginated(signed_in_treasurer, db):
    for _ in range(52):
        MemberFactory()
    first = signed_in_treasurer.get("/manage/members/").content.decode()
    assert "Page 1 of 2" in first
    second = signed_in_treasurer.get("/manage/members/", {"page": 2}).content.decode()
    assert "Page 2 of 2" in second


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        assert response.status_code == 200
    return len(captured)


def _members_with_payments(count, plan):
    for index in range(count):
        person = MemberFactory()
        _paid(person, plan, days_ago=index * 20)
        TermFactory(member=person, plan=plan, start=TODAY - datetime.timedelta(days=900), end=TODAY)


def test_member_list_and_its_csv_cost_the_same_queries_for_3_or_40_members(signed_in_treasurer, plan):
    _members_with_payments(3, plan)
    few = (
        _queries(signed_in_treasurer, "/manage/members/"),
        _queries(signed_in_treasurer, "/manage/members/", {"format": "csv"}),
    )
    _members_with_payments(37, plan)
    many = (
        _queries(signed_in_treasurer, "/manage/members/"),
        _queries(signed_in_treasurer, "/manage/members/", {"format": "csv"}),
    )
    assert few == many


def test_payment_list_and_its_csv_cost_the_same_queries_for_3_or_40_payments(signed_in_treasurer, plan):
    _members_with_payments(3, plan)
    few = (
        _queries(signed_in_treasurer, "/manage/payments/"),
        _queries(signed_in_treasurer, "/manage/payments/", {"format": "csv"}),
    )
    _members_with_payments(37, plan)
    many = (
        _queries(signed_in_treasurer, "/manage/payments/"),
        _queries(signed_in_treasurer, "/manage/payments/", {"format": "csv"}),
    )
    assert few == many


def test_csv_export_escapes_cells_a_spreadsheet_would_run(signed_in_treasurer, plan):
    person = MemberFactory(
        first_name='=HYPERLINK("http://evil.example","click")',
        last_name="+SUM(A1:A9)",
        phone="-1234",
        city="@SUM(1)",
        address_line1="\tTabbed",
        country="Norway",
    )
    dues.record_payment(
        by=None,
        member=person,
        plan=plan,
        amount_cents=6000,
        method="cheque",
        received_on=TODAY,
        reference="=cmd|' /C calc'!A0",
    )
    [row] = [r for r in _csv(signed_in_treasurer.get("/manage/members/", {"format": "csv"})) if r[3] == person.email]
    assert row[1] == '\'=HYPERLINK("http://evil.example","click")'
    assert row[2] == "'+SUM(A1:A9)"
    assert row[13] == "'-1234"
    assert row[10] == "'@SUM(1)"
    assert row[8] == "'\tTabbed"
    assert row[12] == "Norway"
    payment_row = _csv(signed_in_treasurer.get("/manage/payments/", {"format": "csv"}))[1]
    assert payment_row[11] == "'=cmd|' /C calc'!A0"


def test_payments_list_filters_by_date_range(signed_in_treasurer, plan):
    old = PaymentFactory(plan=plan, received_on=datetime.date(2025, 1, 10), receipt_number="2025-00001")
    new = PaymentFactory(plan=plan, received_on=datetime.date(2026, 2, 10), receipt_number="2026-00001")
    page = signed_in_treasurer.get("/manage/payments/", {"start": "2026-01-01", "end": "2026-12-31"}).content.decode()
    assert new.receipt_number in page and old.receipt_number not in page
    rows = _csv(
        signed_in_treasurer.get("/manage/payments/", {"start": "2025-01-01", "end": "2025-01-31", "format": "csv"})
    )
    assert [row[0] for row in rows[1:]] == ["2025-00001"]


def test_a_backwards_date_range_is_explained(signed_in_treasurer, db):
    page = signed_in_treasurer.get("/manage/payments/", {"start": "2026-02-01", "end": "2026-01-01"}).content.decode()
    assert "The end of the range is before its start." in page


def test_treasurer_voids_a_bounced_cheque_with_a_reason(signed_in_treasurer, member, plan, treasurer):
    payment = _paid(member, plan)
    signed_in_treasurer.post(
        f"/manage/payments/{payment.pk}/void/", {"void-reason": "Cheque bounced", "void-end_term": "on"}
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED and payment.status_reason == "Cheque bounced"
    assert payment.status_changed_by == treasurer and member.standing() == Standing.PENDING


def test_refund_without_a_reason_changes_nothing(signed_in_treasurer, member, plan):
    payment = _paid(member, plan)
    response = signed_in_treasurer.post(f"/manage/payments/{payment.pk}/refund/", {"refund-reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_refund_of_an_offline_payment_keeping_the_term(signed_in_treasurer, member, plan):
    payment = _paid(member, plan)
    signed_in_treasurer.post(f"/manage/payments/{payment.pk}/refund/", {"refund-reason": "Hardship fund"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and member.standing() == Standing.ACTIVE


def test_treasurer_reinstates_a_term_cut_short(signed_in_treasurer, member, plan, treasurer):
    payment = _paid(member, plan)
    dues.refund_payment(payment=payment, reason="Refunded in Stripe.", by=None)
    term = payment.terms.get()
    signed_in_treasurer.post(f"/manage/terms/{term.pk}/reinstate/")
    assert member.standing() == Standing.ACTIVE


def test_failed_charge_is_resolved_with_a_note(signed_in_treasurer, member, treasurer):
    from django.utils import timezone

    failed = arrears.record_failed_charge(
        member=member,
        invoice_id="in_test_F1",
        subscription_id="sub_test_1",
        amount_cents=6000,
        currency="USD",
        attempt_count=1,
        failure_message="Your card was declined.",
        next_attempt_at=None,
        failed_at=timezone.now(),
    )
    assert "Your card was declined." in signed_in_treasurer.get("/manage/dues/").content.decode()
    signed_in_treasurer.post(f"/manage/dues/failed/{failed.pk}/resolve/", {"note": ""})
    assert FailedPayment.objects.get().is_open
    signed_in_treasurer.post(f"/manage/dues/failed/{failed.pk}/resolve/", {"note": "Paid by cheque instead"})
    failed.refresh_from_db()
    assert not failed.is_open and failed.resolved_by == treasurer and failed.resolution_note == "Paid by cheque instead"


def test_promise_is_closed_without_payment(signed_in_treasurer, member, plan):
    promise = PromiseFactory(member=member, plan=plan)
    assert member.name in signed_in_treasurer.get("/manage/dues/").content.decode()
    signed_in_treasurer.post(f"/manage/dues/promises/{promise.pk}/withdraw/")
    promise.refresh_from_db()
    assert promise.status == PaymentPromise.Status.WITHDRAWN


def test_member_page_shows_terms_payments_and_notes(signed_in_treasurer, member, plan, treasurer):
    payment = _paid(member, plan)
    signed_in_treasurer.post(f"/manage/members/{member.pk}/notes/", {"text": "Prefers post to email."})
    page = signed_in_treasurer.get(f"/manage/members/{member.pk}/").content.decode()
    assert payment.receipt_number in page and "Prefers post to email." in page and "treasurer@example.org" in page
    assert MemberNote.objects.get().author == treasurer


def test_treasurer_adds_a_sliding_scale_plan(signed_in_treasurer, db):
    response = signed_in_treasurer.post(
        "/manage/plans/new/",
        {
            "name": "Student",
            "slug": "",
            "pricing": "sliding",
            "amount_cents": "30",
            "minimum_cents": "10.50",
            "period": "yearly",
            "auto_renew_offered": "on",
            "is_open": "on",
            "display_order": "2",
        },
    )
    assert response.status_code == 302
    plan = Plan.objects.get(slug="student")
    assert (plan.amount_cents, plan.minimum_cents, plan.currency) == (3000, 1050, "USD")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount_cents": "abc"}, "Enter an amount as a number"),
        ({"amount_cents": "0"}, "Dues must be more than zero."),
        ({"amount_cents": "10", "minimum_cents": "20"}, "The minimum cannot be more than the suggested amount."),
    ],
)
def test_a_plan_with_bad_amounts_is_refused(signed_in_treasurer, db, data, message):
    form = {"name": "Student", "pricing": "sliding", "period": "yearly", "display_order": "1", **data}
    response = signed_in_treasurer.post("/manage/plans/new/", form)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Plan.objects.exists()


def test_treasurer_closes_a_plan_to_new_members(signed_in_treasurer, plan):
    page = signed_in_treasurer.get(f"/manage/plans/{plan.pk}/").content.decode()
    assert 'value="60.00"' in page
    signed_in_treasurer.post(
        f"/manage/plans/{plan.pk}/",
        {
            "name": plan.name,
            "slug": plan.slug,
            "pricing": "fixed",
            "amount_cents": "65",
            "period": "yearly",
            "display_order": "0",
        },
    )
    plan.refresh_from_db()
    assert (plan.amount_cents, plan.is_open) == (6500, False)
