import datetime
import threading

import pytest
import time_machine
from django.db import connection

from members import arrears, dues
from members.dues import DuesError
from members.models import Counter, Member, MembershipTerm, Payment, PaymentPromise, Standing
from notifications.models import Delivery
from tests.factories import MemberFactory, PlanFactory, PromiseFactory, UserFactory
from tests.mail import composed

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False):
        yield


def _pay(member, plan, *, on=TODAY, method=Payment.Method.CHEQUE, amount=None, **kwargs):
    return dues.record_payment(
        member=member,
        plan=plan,
        amount_cents=plan.amount_cents if amount is None else amount,
        method=method,
        received_on=on,
        **{"by": None, **kwargs},
    )


def test_first_payment_starts_a_year_on_the_day(member, plan):
    payment = _pay(member, plan)
    term = payment.terms.get()
    assert (term.start, term.end) == (TODAY, datetime.date(2027, 6, 14))
    assert member.standing() == Standing.ACTIVE


def test_renewal_before_the_end_extends_from_the_current_end(member, plan):
    _pay(member, plan, on=datetime.date(2025, 7, 1))
    term = _pay(member, plan).terms.get()
    assert (term.start, term.end) == (datetime.date(2026, 7, 1), datetime.date(2027, 6, 30))


def test_renewal_in_grace_extends_from_the_current_end(member, plan):
    _pay(member, plan, on=datetime.date(2025, 6, 1))  # ended 31 May 2026, in grace on 15 June
    term = _pay(member, plan).terms.get()
    assert term.start == datetime.date(2026, 6, 1)
    assert member.standing() == Standing.ACTIVE


def test_renewal_after_lapse_starts_on_the_day_of_payment(member, plan):
    _pay(member, plan, on=datetime.date(2025, 1, 1))  # ended 31 Dec 2025, lapsed since 31 Jan
    term = _pay(member, plan).terms.get()
    assert (term.start, term.end) == (TODAY, datetime.date(2027, 6, 14))


def test_lifetime_payment_has_no_end(member, lifetime_plan):
    term = _pay(member, lifetime_plan).terms.get()
    assert term.end is None
    assert member.has_lifetime_membership


def test_member_number_is_given_once_at_the_first_payment(member, plan):
    assert member.member_number is None
    _pay(member, plan, on=datetime.date(2025, 1, 1))
    member.refresh_from_db()
    first = member.member_number
    _pay(member, plan)
    member.refresh_from_db()
    assert first is not None and member.member_number == first


def test_member_numbers_are_sequential_and_never_reused(plan):
    people = [MemberFactory() for _ in range(3)]
    for person in people:
        _pay(person, plan)
    numbers = sorted(Member.objects.filter(pk__in=[p.pk for p in people]).values_list("member_number", flat=True))
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    # The holder of the highest number leaves: the next member still gets a new number.
    last = Member.objects.get(member_number=max(numbers))
    last.payments.all().delete()
    last.user.delete()
    newcomer = MemberFactory()
    _pay(newcomer, plan)
    newcomer.refresh_from_db()
    assert newcomer.member_number == max(numbers) + 1


def test_receipt_numbers_run_per_year(member, plan):
    first = _pay(member, plan, on=datetime.date(2025, 12, 30))
    second = _pay(member, plan, on=datetime.date(2026, 1, 2))
    third = _pay(member, plan)
    assert first.receipt_number == "2025-00001"
    assert (second.receipt_number, third.receipt_number) == ("2026-00001", "2026-00002")


def test_first_payment_queues_a_receipt_and_a_welcome_and_the_next_a_renewal_receipt(member, plan):
    first = _pay(member, plan, on=datetime.date(2025, 7, 1))
    second = _pay(member, plan)
    keys = set(Delivery.objects.values_list("key", flat=True))
    assert keys == {f"receipt:{first.pk}", f"renewal-receipt:{member.pk}:{second.pk}", f"welcome:{member.pk}"}
    welcome = composed(Delivery.objects.get(key=f"welcome:{member.pk}"))
    member.refresh_from_db()
    assert str(member.member_number) in welcome.subject and welcome.to == "ann@example.org"
    assert welcome.category == "transactional"


@pytest.mark.parametrize(
    ("method", "amount", "message"),
    [
        (Payment.Method.CHEQUE, 0, "above zero"),
        (Payment.Method.COMPLIMENTARY, 500, "no amount"),
        ("bitcoin", 6000, "how the payment was made"),
    ],
)
def test_a_payment_that_makes_no_sense_is_refused_and_changes_nothing(member, plan, method, amount, message):
    with pytest.raises(DuesError, match=message):
        _pay(member, plan, method=method, amount=amount)
    assert not Payment.objects.exists() and not MembershipTerm.objects.exists()
    member.refresh_from_db()
    assert member.member_number is None


def test_a_payment_dated_in_the_future_is_refused(member, plan):
    with pytest.raises(DuesError, match="future"):
        _pay(member, plan, on=TODAY + datetime.timedelta(days=1))


def test_complimentary_membership_activates_with_no_money(member, plan):
    payment = _pay(member, plan, method=Payment.Method.COMPLIMENTARY, amount=0)
    assert payment.amount_cents == 0 and member.standing() == Standing.ACTIVE


def test_refund_ends_the_term_today(member, plan, treasurer):
    payment = _pay(member, plan, on=datetime.date(2026, 1, 1))
    dues.refund_payment(payment=payment, reason="Moved abroad", by=treasurer)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_cents == 6000
    assert payment.status_reason == "Moved abroad" and payment.status_changed_by == treasurer
    assert payment.terms.get().cancelled_on == TODAY
    assert member.standing() == Standing.LAPSED


def test_refund_can_leave_the_term_running(member, plan, treasurer):
    payment = _pay(member, plan)
    dues.refund_payment(payment=payment, reason="Hardship", by=treasurer, end_term=False)
    assert member.standing() == Standing.ACTIVE


def test_void_cancels_the_term_as_if_it_never_was(member, plan, treasurer):
    payment = _pay(member, plan)
    dues.void_payment(payment=payment, reason="Cheque bounced", by=treasurer)
    assert member.standing() == Standing.PENDING
    assert Payment.objects.filter(pk=payment.pk, status=Payment.Status.VOIDED).exists(), "never deleted"


def test_refund_needs_a_reason_and_happens_once(member, plan, treasurer):
    payment = _pay(member, plan)
    with pytest.raises(DuesError, match="why"):
        dues.refund_payment(payment=payment, reason="  ", by=treasurer)
    dues.refund_payment(payment=payment, reason="Duplicate", by=treasurer)
    with pytest.raises(DuesError, match="already refunded"):
        dues.refund_payment(payment=payment, reason="Again", by=treasurer)


def test_a_card_payment_cannot_be_voided(member, plan, treasurer):
    payment = _pay(member, plan, method=Payment.Method.CARD)
    with pytest.raises(DuesError, match="refund it instead"):
        dues.void_payment(payment=payment, reason="no", by=treasurer)


def test_treasurer_can_reinstate_a_term_a_refund_ended(member, plan, treasurer):
    payment = _pay(member, plan)
    dues.refund_payment(payment=payment, reason="Card refunded by mistake", by=treasurer)
    dues.reinstate_term(term=payment.terms.get(), by=treasurer)
    assert member.standing() == Standing.ACTIVE


def test_a_payment_fulfils_the_open_promise(member, plan):
    promise = PromiseFactory(member=member, plan=plan)
    payment = _pay(member, plan)
    promise.refresh_from_db()
    assert promise.status == PaymentPromise.Status.FULFILLED and promise.payment == payment


def test_promising_twice_keeps_one_open_promise_with_the_new_details(member, plan, sliding_plan):
    arrears.promise_payment(member=member, plan=plan, amount_cents=6000, method="cheque")
    arrears.promise_payment(member=member, plan=sliding_plan, amount_cents=1500, method="cash")
    promise = PaymentPromise.objects.get(member=member)
    assert (promise.plan, promise.amount_cents, promise.method) == (sliding_plan, 1500, "cash")
    assert Delivery.objects.filter(kind="promise-noted").count() == 2


def test_a_promise_below_the_plans_minimum_is_refused(member, sliding_plan):
    with pytest.raises(DuesError):
        arrears.promise_payment(member=member, plan=sliding_plan, amount_cents=500, method="cheque")
    assert not PaymentPromise.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_payments_get_distinct_consecutive_numbers():
    plan = PlanFactory()
    people = [MemberFactory(user=UserFactory()) for _ in range(6)]
    barrier = threading.Barrier(len(people))
    errors = []

    def pay(person):
        try:
            barrier.wait()
            _pay(person, plan)
        except Exception as error:  # reported below, with the thread's failure
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    numbers = sorted(Member.objects.values_list("member_number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 6))
    assert Counter.objects.get(name="member-number").value == numbers[-1]


def test_a_renewal_receipt_says_renewal_and_never_welcome(member, plan):
    _pay(member, plan)
    _pay(member, plan)
    renewal = composed(Delivery.objects.get(kind="renewal-receipt"))
    assert "renew" in renewal.subject.lower() and "welcome" not in renewal.body_text.lower()
    assert Delivery.objects.filter(kind="welcome").count() == 1


def test_voiding_a_payment_reopens_the_promise_it_closed(member, plan, treasurer):
    PromiseFactory(member=member, plan=plan, amount_cents=6000, method="cheque")
    payment = _pay(member, plan)
    dues.void_payment(payment=payment, reason="Recorded for the wrong member", by=treasurer)
    promise = PaymentPromise.objects.get()
    assert (promise.status, promise.payment, promise.resolved_at) == (PaymentPromise.Status.OPEN, None, None)


def test_voiding_a_renewal_restores_the_term_as_it_was(member, plan, treasurer):
    _pay(member, plan, on=datetime.date(2025, 7, 1))
    before = member.paid_through()
    renewal = _pay(member, plan)
    dues.void_payment(payment=renewal, reason="Typed twice", by=treasurer)
    member = Member.objects.get(pk=member.pk)
    assert member.paid_through() == before and member.standing() == Standing.ACTIVE


def test_a_partial_refund_keeps_the_payment_and_sends_a_refund_receipt(member, plan, treasurer):
    payment = _pay(member, plan)
    dues.record_refund(payment=payment, amount_cents=1000, reason="Overpaid", by=treasurer)
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_cents) == (Payment.Status.PAID, 1000)
    assert member.standing() == Standing.ACTIVE
    receipt = composed(Delivery.objects.get(kind="refund-receipt"))
    assert "$10.00" in receipt.body_text and payment.receipt_number in receipt.body_text


def test_refunding_what_remains_after_a_partial_refund_marks_it_refunded(member, plan, treasurer):
    payment = _pay(member, plan)
    dues.record_refund(payment=payment, amount_cents=1000, reason="Overpaid", by=treasurer)
    dues.record_refund(payment=payment, amount_cents=5000, reason="Left the society", by=treasurer)
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_cents) == (Payment.Status.REFUNDED, 6000)
    assert Delivery.objects.filter(kind="refund-receipt").count() == 2


def test_a_refund_of_more_than_remains_is_refused_and_changes_nothing(member, plan, treasurer):
    payment = _pay(member, plan)
    dues.record_refund(payment=payment, amount_cents=5000, reason="Overpaid", by=treasurer)
    with pytest.raises(DuesError, match="at most"):
        dues.record_refund(payment=payment, amount_cents=2000, reason="Again", by=treasurer)
    payment.refresh_from_db()
    assert payment.refunded_cents == 5000
