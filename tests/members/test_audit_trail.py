"""Every staff action in members writes its audit row, in its transaction, with the fields
before and after and the reason the treasurer gave; the webhook's own changes are rows
by nobody. No row names a member by name or email."""

import datetime
import time

import pytest
from django.db import transaction
from django.utils import timezone

from audit import log
from audit.models import Entry
from members import arrears, dues, unapplied
from members.models import FailedPayment, Member, Payment, Plan, UnappliedMoney
from tests.factories import PromiseFactory, UserFactory
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = 86400
CUSTOMER = "cus_test_Audit1"


def _only(action: str) -> Entry:
    [entry] = Entry.objects.filter(action=action)
    return entry


def _cheque(member, plan, *, by) -> Payment:
    return dues.record_payment(
        member=member, plan=plan, amount_cents=6000, method="cheque", received_on=TODAY, by=by, reference="no. 4411"
    )


def _no_personal_details(entry: Entry) -> None:
    text = f"{entry.target_label} {entry.changes}"
    assert "Ann" not in text and "ann@example.org" not in text


def test_recording_an_offline_payment_on_the_page_writes_its_row(client, treasurer, member, plan):
    client.force_login(treasurer)
    long_ago = TODAY - datetime.timedelta(days=400)
    form = {
        "plan": plan.pk,
        "method": "cheque",
        "amount": "60",
        "received_on": long_ago.isoformat(),
        "reference": "no. 4411",
        "confirm_date": "on",
        "date_reason": "Found in last year's post",
    }
    response = client.post(f"/manage/members/{member.pk}/payments/new/", form)
    assert response.status_code == 302
    payment = Payment.objects.get()
    entry = _only("payment.recorded")
    assert (entry.by, entry.target_label, entry.reason) == (
        treasurer,
        f"Payment {payment.receipt_number}",
        form["date_reason"],
    )
    assert entry.changes == {
        "plan": [None, plan.pk],
        "amount_cents": [None, 6000],
        "currency": [None, "USD"],
        "method": [None, "cheque"],
        "received_on": [None, long_ago.isoformat()],
        "receipt_number": [None, payment.receipt_number],
    }
    assert "4411" not in str(entry.changes), "a reference may name who took the cash"


def test_a_card_payment_from_the_webhook_is_a_row_by_nobody(member, plan):
    payment = dues.record_payment(
        member=member, plan=plan, amount_cents=6000, method="card", received_on=TODAY, by=None
    )
    entry = _only("payment.recorded")
    assert (entry.by, entry.by_label, entry.target_id) == (None, "", str(payment.pk))


def test_a_full_refund_records_status_amount_and_the_term_it_ended(client, treasurer, member, plan):
    payment = _cheque(member, plan, by=treasurer)
    client.force_login(treasurer)
    client.post(f"/manage/payments/{payment.pk}/refund/", {"refund-reason": "Moved abroad", "refund-end_term": "on"})
    entry = _only("payment.refunded")
    assert entry.by == treasurer and entry.reason == "Moved abroad"
    assert entry.changes == {
        "status": ["paid", "refunded"],
        "refunded_cents": [0, 6000],
        "term_cancelled_on": [None, TODAY.isoformat()],
    }


def test_a_partial_refund_records_the_amount_and_keeps_the_term(treasurer, member, plan):
    payment = _cheque(member, plan, by=treasurer)
    dues.record_refund(payment=payment, amount_cents=1500, reason="Overpaid", by=treasurer)
    dues.record_refund(payment=payment, amount_cents=500, reason="Overpaid again", by=treasurer)
    first, second = Entry.objects.filter(action="payment.refunded").order_by("id")
    assert first.changes == {"refunded_cents": [0, 1500]}
    assert (second.changes, second.reason) == ({"refunded_cents": [1500, 2000]}, "Overpaid again")


def test_voiding_records_the_status_and_the_term_cancelled_from_its_start(client, treasurer, member, plan):
    payment = _cheque(member, plan, by=treasurer)
    client.force_login(treasurer)
    client.post(f"/manage/payments/{payment.pk}/void/", {"void-reason": "Cheque bounced", "void-end_term": "on"})
    entry = _only("payment.voided")
    assert (entry.by, entry.reason) == (treasurer, "Cheque bounced")
    assert entry.changes == {"status": ["paid", "voided"], "term_cancelled_on": [None, TODAY.isoformat()]}


def test_a_refused_refund_writes_no_row(treasurer, member, plan):
    payment = _cheque(member, plan, by=treasurer)
    with pytest.raises(dues.DuesError):
        dues.record_refund(payment=payment, amount_cents=9000, reason="Too much", by=treasurer)
    assert not Entry.objects.filter(action="payment.refunded").exists()


def test_reinstating_a_term_records_the_cut_it_undid(client, treasurer, member, plan):
    payment = _cheque(member, plan, by=treasurer)
    dues.refund_payment(payment=payment, reason="By mistake", by=treasurer)
    term = payment.terms.get()
    client.force_login(treasurer)
    client.post(f"/manage/terms/{term.pk}/reinstate/")
    entry = _only("term.reinstated")
    assert entry.by == treasurer
    assert entry.changes == {"cancelled_on": [TODAY.isoformat(), None]}
    assert entry.target_label.startswith(f"Term {term.start}")
    _no_personal_details(entry)


def _held(member, plan, **overrides) -> UnappliedMoney:
    values = {
        "stripe_object_id": "cs_test_Held",
        "stripe_event_type": "checkout.session.completed",
        "stripe_payment_intent_id": "pi_test_Held",
        "member": member,
        "plan": plan,
        "amount_cents": 6000,
        "currency": "USD",
        "received_on": TODAY,
        "reason": "It came with another Checkout Session.",
    }
    return UnappliedMoney.objects.create(**{**values, **overrides})


def test_applying_held_money_records_the_decision_and_the_payment(client, treasurer, member, plan):
    item = _held(member, plan)
    client.force_login(treasurer)
    client.post(f"/manage/dues/unapplied/{item.pk}/apply/")
    payment = Payment.objects.get()
    entry = _only("unapplied.applied")
    assert (entry.by, entry.target_label) == (treasurer, "Money held for review cs_test_Held")
    assert entry.changes == {"status": ["open", "applied"], "payment": [None, payment.pk]}
    assert _only("payment.recorded").by == treasurer


def test_refunding_held_money_records_it(treasurer, member, plan):
    item = _held(member, plan, stripe_object_id="cs_local_test")  # made up locally: Stripe is not asked
    unapplied.refund(item=item, by=treasurer)
    entry = _only("unapplied.refunded")
    assert (entry.by, entry.changes) == (treasurer, {"status": ["open", "refunded"]})


def test_money_that_cannot_be_applied_writes_no_row(treasurer, member, plan):
    item = _held(None, plan)
    with pytest.raises(dues.DuesError):
        unapplied.apply(item=item, by=treasurer)
    assert not Entry.objects.exists()


def _customer(member) -> Member:
    Member.objects.filter(pk=member.pk).update(stripe_customer_id=CUSTOMER)
    member.refresh_from_db()
    return member


def _held_invoice(client, member, plan, make_checkout, *, subscription="sub_test_Held", created=None):
    now = int(time.time())
    invoice = sp.invoice(
        customer=CUSTOMER,
        subscription=subscription,
        meta=sp.metadata(make_checkout(member, plan)),
        amount=6000,
        period_start=now,
        period_end=now + 365 * DAY,
        billing_reason="manual",
    )
    sp.post(client, sp.event("invoice.paid", invoice, created=created or now))
    item = UnappliedMoney.objects.get()
    assert not Payment.objects.exists()
    return item, invoice


def test_applying_a_held_subscription_invoice_leaves_the_member_on_auto_renew(
    client, treasurer, member, plan, make_checkout
):
    member = _customer(member)
    item, invoice = _held_invoice(client, member, plan, make_checkout)
    FailedPayment.objects.create(
        member=member,
        stripe_invoice_id=invoice["id"],
        amount_cents=6000,
        currency="USD",
        first_failed_at=item.created_at,
        last_failed_at=item.created_at,
    )
    client.force_login(treasurer)
    client.post(f"/manage/dues/unapplied/{item.pk}/apply/")
    member.refresh_from_db()
    payment = Payment.objects.get()
    period_end = timezone.localdate(
        datetime.datetime.fromtimestamp(invoice["lines"]["data"][0]["period"]["end"], datetime.UTC)
    )
    assert (member.auto_renew, member.stripe_subscription_id, member.renews_on) == (True, "sub_test_Held", period_end)
    assert payment.stripe_invoice_id == invoice["id"]
    assert FailedPayment.objects.get().resolution == FailedPayment.Resolution.PAID


def test_applying_an_invoice_does_not_undo_a_later_cancellation(client, treasurer, member, plan, make_checkout):
    member = _customer(member)
    now = int(time.time())
    item, _invoice = _held_invoice(client, member, plan, make_checkout, created=now - 100)
    ended = sp.subscription(
        subscription_id="sub_test_Held", customer=CUSTOMER, meta={}, status="canceled", period_end=now
    )
    sp.post(client, sp.event("customer.subscription.deleted", ended, created=now))
    unapplied.apply(item=item, by=treasurer)
    member.refresh_from_db()
    assert not member.auto_renew
    assert Payment.objects.exists(), "the money is still applied"


def test_a_new_plan_and_a_change_to_it_are_recorded_from_the_page(client, treasurer):
    client.force_login(treasurer)
    form = {"name": "Student", "slug": "", "pricing": "fixed", "amount_cents": "25", "period": "yearly"}
    form.update({"auto_renew_offered": "on", "is_open": "on", "display_order": "3"})
    assert client.post("/manage/plans/new/", form).status_code == 302
    plan = Plan.objects.get(slug="student")
    created = _only("plan.created")
    assert (created.by, created.target_label) == (treasurer, "Plan Student")
    assert created.changes["amount_cents"] == [None, 2500] and created.changes["slug"] == [None, "student"]
    client.post(f"/manage/plans/{plan.pk}/", {**form, "amount_cents": "30", "is_open": ""})
    edited = _only("plan.edited")
    assert edited.changes == {"amount_cents": [2500, 3000], "is_open": [True, False]}


def test_saving_a_plan_unchanged_writes_no_row(client, treasurer, plan):
    client.force_login(treasurer)
    form = {"name": plan.name, "slug": plan.slug, "pricing": "fixed", "amount_cents": "60", "period": "yearly"}
    form.update({"auto_renew_offered": "on", "is_open": "on", "display_order": "0"})
    assert client.post(f"/manage/plans/{plan.pk}/", form).status_code == 302
    assert not Entry.objects.filter(action="plan.edited").exists()


def test_a_note_is_recorded_without_its_text(client, treasurer, member):
    client.force_login(treasurer)
    client.post(f"/manage/members/{member.pk}/notes/", {"text": "Ann phoned about her cheque"})
    entry = _only("member.note_added")
    assert (entry.by, entry.target_id, entry.changes) == (treasurer, str(member.pk), {"note": [log.CHANGED] * 2})
    _no_personal_details(entry)


def test_withdrawing_a_promise_records_it_with_the_note(client, treasurer, member, plan):
    promise = PromiseFactory(member=member, plan=plan)
    client.force_login(treasurer)
    client.post(f"/manage/dues/promises/{promise.pk}/withdraw/", {"note": "Paid at the door"})
    entry = _only("promise.withdrawn")
    assert (entry.by, entry.changes, entry.reason) == (treasurer, {"status": ["open", "withdrawn"]}, "Paid at the door")
    _no_personal_details(entry)


def test_resolving_a_failed_charge_records_it_with_the_note(client, treasurer, member):
    failed = arrears.record_failed_charge(
        member=member,
        invoice_id="in_test_Failed",
        subscription_id="sub_test_1",
        amount_cents=6000,
        currency="USD",
        attempt_count=1,
        failure_message="Declined",
        next_attempt_at=None,
        failed_at=datetime.datetime.now(tz=datetime.UTC),
    )
    client.force_login(treasurer)
    client.post(f"/manage/dues/failed/{failed.pk}/resolve/", {"note": "Paid by transfer"})
    entry = _only("failed_charge.resolved")
    assert (entry.by, entry.changes, entry.reason) == (treasurer, {"resolution": ["", "resolved"]}, "Paid by transfer")


def test_a_member_changed_in_the_admin_is_recorded_without_the_details(client, member):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    form = {"first_name": "Anna", "last_name": "Example", "postal_code": "BS1 4QA", "city": "", "country": ""}
    form.update({"address_line1": "", "address_line2": "", "phone": "", "directory_consent": "on", "language": "en"})
    response = client.post(f"/admin/members/member/{member.pk}/change/", form)
    assert response.status_code == 302, response.content
    member.refresh_from_db()
    assert (member.first_name, member.postal_code, member.directory_consent) == ("Anna", "BS1 4QA", True)
    entry = _only("member.edited")
    assert entry.by == admin_user
    assert entry.changes == {
        "first_name": [log.CHANGED] * 2,
        "postal_code": [log.CHANGED] * 2,
        "directory_consent": [False, True],
    }
    _no_personal_details(entry)


def test_a_plan_changed_in_the_admin_is_recorded(client, plan):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    form = {"name": plan.name, "slug": plan.slug, "pricing": "fixed", "amount_cents": "7000", "minimum_cents": "0"}
    form.update({"currency": "USD", "period": "yearly", "auto_renew_offered": "on", "display_order": "0"})
    assert client.post(f"/admin/members/plan/{plan.pk}/change/", form).status_code == 302
    assert _only("plan.edited").changes == {"amount_cents": [6000, 7000], "is_open": [True, False]}


def test_payments_and_terms_cannot_be_changed_in_the_admin(client, treasurer, member, plan):
    payment = _cheque(member, plan, by=treasurer)
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    client.post(f"/admin/members/payment/{payment.pk}/change/", {"amount_cents": "1"})
    payment.refresh_from_db()
    assert payment.amount_cents == 6000


def test_the_labels_name_no_one(member, plan):
    member.member_number = 42
    payment = Payment(receipt_number="2026-00007")
    assert member.audit_label() == "Member 42"
    assert payment.audit_label() == "Payment 2026-00007"
    assert plan.audit_label() == "Plan Regular member"
    with transaction.atomic():
        entry = log.record(None, "member.edited", member)
    assert entry.target_label == "Member 42"
