"""Pay later by bank transfer: reservations, the treasurer recording the transfer by its
reference, reservations ending unpaid, and the printable receipt."""

import datetime

import pytest
from django.utils import timezone

from events import ticket_holds, ticket_pay_later
from events.models import RSVP
from events.tasks import end_ticket_holds
from events.ticket_orders import Attendee, OrderRefused, place_order
from events.ticket_pay_later_records import PayLaterTerms
from events.ticket_records import Order, TicketType
from members import reference_payments
from members.models import Payment
from members.roles import TREASURER
from tests.events.helpers import deliveries, make_organiser
from tests.factories import EventFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "http://testserver"
    settings.CURRENCY = "USD"
    settings.ORG_BANK_IBAN = "GB33BUKB20201555555555"
    settings.ORG_BANK_BIC = "BUKBGB22"


@pytest.fixture
def congress(db):
    event = EventFactory(kind="congress", capacity=2)
    PayLaterTerms.objects.create(event=event, allowed=True, days=5)
    return event


@pytest.fixture
def kind(congress):
    return TicketType.objects.create(event=congress, name="Non-member", price_cents=9000)


@pytest.fixture
def treasurer(db):
    return StaffFactory(email="treasurer@example.org", role=TREASURER)


def reserved(event, kind, *names, user=None):
    attendees = [Attendee(kind.pk, name, f"{name.lower()}@example.org") for name in names]
    order = place_order(event=event, user=user, buyer_name=names[0], buyer_email=attendees[0].email,
                        attendees=attendees)  # fmt: skip
    return ticket_pay_later.reserve(order_id=order.pk)


def record(order, *, amount, by, reference=None):
    return reference_payments.settle(
        reference=reference or order.bank_reference, amount_cents=amount, received_on=timezone.localdate(), by=by
    )


def test_a_reservation_holds_its_seats_for_the_events_days_with_a_reference(congress, kind):
    order = reserved(congress, kind, "Ann")
    assert order.status == Order.Status.RESERVED
    assert order.bank_reference.startswith("TK-") and len(order.bank_reference) == 12
    left = order.held_until - timezone.now()
    assert datetime.timedelta(days=4, hours=23) < left <= datetime.timedelta(days=5)
    congress.refresh_from_db()
    assert ticket_holds.seats_left(congress, now=timezone.now()) == 1


def test_reserved_seats_count_as_taken_so_the_event_fills(congress, kind):
    reserved(congress, kind, "Ann", "Bob")
    with pytest.raises(OrderRefused) as refusal:
        place_order(event=congress, user=None, buyer_name="Cy", buyer_email="cy@example.org",
                    attendees=[Attendee(kind.pk, "Cy", "cy@example.org")])  # fmt: skip
    assert refusal.value.code == "full"


def test_the_buyer_is_emailed_the_bank_details_and_reference(congress, kind):
    order = reserved(congress, kind, "Ann")
    [mail] = deliveries(kind="ticket-order-reserved")
    assert mail.to == "ann@example.org"
    assert order.bank_reference in mail.body_text and "GB33BUKB20201555555555" in mail.body_text
    assert "$90.00" in mail.body_text


def test_pay_later_is_refused_when_the_event_does_not_allow_it(congress, kind):
    PayLaterTerms.objects.filter(event=congress).update(allowed=False)
    order = place_order(event=congress, user=None, buyer_name="Ann", buyer_email="ann@example.org",
                        attendees=[Attendee(kind.pk, "Ann", "ann@example.org")])  # fmt: skip
    with pytest.raises(OrderRefused):
        ticket_pay_later.reserve(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.HELD and order.bank_reference is None


def test_choosing_bank_transfer_at_checkout_reserves_and_shows_the_instructions(client, congress, kind):
    data = {f"q-{kind.pk}": "1", "a0-ticket_type": kind.pk, "a0-name": "Ann", "a0-email": "ann@example.org",
            "pay": "bank_transfer"}  # fmt: skip
    step = client.post(f"/events/{congress.slug}/register/", {f"q-{kind.pk}": "1"})
    assert 'value="bank_transfer"' in step.content.decode()
    done = client.post(f"/events/{congress.slug}/register/", data)
    order = Order.objects.get()
    assert done.status_code == 302 and done["Location"] == order.capability_url
    assert order.status == Order.Status.RESERVED
    page = client.get(order.capability_url).content.decode()
    assert order.bank_reference in page and "GB33BUKB20201555555555" in page and "$90.00" in page


def test_the_treasurer_records_the_transfer_and_the_order_is_paid(congress, kind, treasurer):
    order = reserved(congress, kind, "Ann", "Bob")
    settled = record(order, amount=18000, by=treasurer, reference=order.bank_reference.lower().replace("-", " "))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    payment = Payment.objects.get(kind=Payment.Kind.TICKETS)
    assert settled.payment == payment
    assert (payment.amount_cents, payment.method, payment.recorded_by) == (18000, "bank_transfer", treasurer)
    assert payment.reference == order.bank_reference
    assert sorted(mail.to for mail in deliveries(kind="event-ticket")) == ["ann@example.org", "bob@example.org"]
    assert RSVP.objects.filter(event=congress, status=RSVP.Status.YES).count() == 2
    from audit.models import Entry

    entry = Entry.objects.get(action="ticket_order.paid_by_transfer")
    assert entry.by == treasurer and entry.target_id == str(order.pk)
    assert Entry.objects.filter(action="payment.recorded_by_reference", by=treasurer).exists()


def test_a_wrong_amount_is_refused_with_what_is_owed_and_changes_nothing(congress, kind, treasurer):
    order = reserved(congress, kind, "Ann")
    with pytest.raises(reference_payments.ReferenceRefused) as refusal:
        record(order, amount=8000, by=treasurer)
    assert refusal.value.code == "amount"
    assert "$90.00" in refusal.value.message and "$80.00" in refusal.value.message
    order.refresh_from_db()
    assert order.status == Order.Status.RESERVED
    assert not Payment.objects.exists() and not RSVP.objects.filter(status=RSVP.Status.YES).exists()


def test_an_unknown_reference_is_refused(treasurer):
    with pytest.raises(reference_payments.ReferenceRefused) as refusal:
        reference_payments.settle(reference="TK-AAAA-BBBB", amount_cents=100, received_on=timezone.localdate(),
                                  by=treasurer)  # fmt: skip
    assert refusal.value.code == "unknown"


def test_the_sweep_ends_a_reservation_whose_days_passed_and_tells_the_buyer(congress, kind):
    order = reserved(congress, kind, "Ann", "Bob")
    later = order.held_until + datetime.timedelta(minutes=1)
    assert ticket_pay_later.end_reservations(now=order.held_until - datetime.timedelta(minutes=1)) == 0
    assert ticket_pay_later.end_reservations(now=later) == 1
    assert ticket_pay_later.end_reservations(now=later) == 0, "harmless to repeat"
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert ticket_holds.seats_left(congress, now=later) == 2
    [told] = deliveries(kind="ticket-order-reservation-ended")
    assert told.to == "ann@example.org" and order.bank_reference in told.body_text


def test_the_beat_task_ends_reservations_too(congress, kind):
    order = reserved(congress, kind, "Ann")
    Order.objects.filter(pk=order.pk).update(held_until=timezone.now() - datetime.timedelta(minutes=1))
    assert end_ticket_holds() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED


def test_a_late_transfer_after_the_reservation_ended_is_refused(congress, kind, treasurer):
    order = reserved(congress, kind, "Ann")
    ticket_pay_later.end_reservations(now=order.held_until + datetime.timedelta(seconds=1))
    with pytest.raises(reference_payments.ReferenceRefused) as refusal:
        record(order, amount=9000, by=treasurer)
    assert refusal.value.code == "ended" and "ended unpaid" in refusal.value.message
    assert not Payment.objects.exists()


def test_the_treasurers_page_records_by_reference_and_refuses_a_wrong_amount(client, congress, kind, treasurer):
    order = reserved(congress, kind, "Ann")
    client.force_login(treasurer)
    assert client.get("/manage/payments/by-reference/").status_code == 200
    form = {"by-reference-reference": order.bank_reference, "by-reference-received_on": timezone.localdate()}
    wrong = client.post("/manage/payments/by-reference/", {**form, "by-reference-amount": "80"})
    assert wrong.status_code == 400 and "owes $90.00, not $80.00" in wrong.content.decode()
    assert not Payment.objects.exists()
    right = client.post("/manage/payments/by-reference/", {**form, "by-reference-amount": "90.00"})
    payment = Payment.objects.get()
    assert right.status_code == 302 and right["Location"] == f"/manage/payments/{payment.pk}/"
    shown = client.get(right["Location"]).content.decode()
    assert "Not a member" in shown and order.bank_reference in shown, "a visitor's ticket payment has no member"
    order.refresh_from_db()
    assert order.is_paid


def test_only_a_treasurer_records_by_reference(client, congress, kind):
    order = reserved(congress, kind, "Ann")
    client.force_login(UserFactory())
    data = {"by-reference-reference": order.bank_reference, "by-reference-amount": "90",
            "by-reference-received_on": timezone.localdate()}  # fmt: skip
    assert client.post("/manage/payments/by-reference/", data).status_code == 403
    order.refresh_from_db()
    assert order.is_reserved


def test_the_organiser_allows_pay_later_on_the_ticket_page(client):
    organiser = make_organiser()
    event = EventFactory(kind="congress")
    event.organisers.add(organiser)
    client.force_login(organiser)
    done = client.post(f"/manage/events/{event.slug}/tickets/pay-later/",
                       {"pay-later-allowed": "on", "pay-later-days": "10"})  # fmt: skip
    assert done.status_code == 302
    terms = PayLaterTerms.objects.get(event=event)
    assert terms.allowed and terms.days == 10
    bad = client.post(f"/manage/events/{event.slug}/tickets/pay-later/",
                      {"pay-later-allowed": "on", "pay-later-days": "0"})  # fmt: skip
    assert bad.status_code == 302
    terms.refresh_from_db()
    assert terms.days == 10, "a bad number of days changes nothing"
    from audit.models import Entry

    assert Entry.objects.filter(action="ticket_pay_later.set", by=organiser).count() == 1


def test_the_dues_recording_page_offers_recording_by_reference(client, treasurer):
    from tests.factories import MemberFactory

    member = MemberFactory()
    client.force_login(treasurer)
    page = client.get(f"/manage/members/{member.pk}/payments/new/").content.decode()
    assert 'action="/manage/payments/by-reference/"' in page and "by-reference-reference" in page


def test_the_organisers_ticket_page_counts_reservations_and_offers_the_setting(client, congress, kind):
    reserved(congress, kind, "Ann")
    organiser = make_organiser()
    congress.organisers.add(organiser)
    client.force_login(organiser)
    page = client.get(f"/manage/events/{congress.slug}/tickets/").content.decode()
    assert "1 reservation waiting for a bank transfer" in page and 'id="pay-later-form"' in page


def test_the_bank_transfer_choice_is_offered_only_when_allowed(client, congress, kind):
    PayLaterTerms.objects.filter(event=congress).update(allowed=False)
    step = client.post(f"/events/{congress.slug}/register/", {f"q-{kind.pk}": "1"})
    assert 'value="bank_transfer"' not in step.content.decode()
    data = {f"q-{kind.pk}": "1", "a0-ticket_type": kind.pk, "a0-name": "Ann", "a0-email": "ann@example.org",
            "pay": "bank_transfer"}  # fmt: skip
    refused = client.post(f"/events/{congress.slug}/register/", data)
    assert refused.status_code == 400 and not Order.objects.exists()


def test_recording_the_same_transfer_twice_is_refused_and_records_one_payment(congress, kind, treasurer):
    order = reserved(congress, kind, "Ann")
    record(order, amount=9000, by=treasurer)
    with pytest.raises(reference_payments.ReferenceRefused) as refusal:
        record(order, amount=9000, by=treasurer)
    assert refusal.value.code == "paid"
    assert Payment.objects.count() == 1
    congress.refresh_from_db()
    assert congress.seats_taken == 1


def test_a_reservation_counts_against_its_ticket_types_quantity(congress, kind):
    TicketType.objects.filter(pk=kind.pk).update(quantity=1)
    reserved(congress, kind, "Ann")
    with pytest.raises(OrderRefused) as refusal:
        place_order(event=congress, user=None, buyer_name="Cy", buyer_email="cy@example.org",
                    attendees=[Attendee(kind.pk, "Cy", "cy@example.org")])  # fmt: skip
    assert refusal.value.code == "sold_out"


def test_the_instructions_are_not_sent_once_the_reservation_is_paid(congress, kind, treasurer):
    order = reserved(congress, kind, "Ann")
    record(order, amount=9000, by=treasurer)
    assert deliveries(kind="ticket-order-reserved") == [], "the worker skips instructions no longer owed"


def test_an_order_paid_by_bank_transfer_is_not_cancelled_for_a_card_refund(client, congress, kind, treasurer):
    from events import ticket_cancel
    from events.ticket_refund_records import RefundPolicy, TicketRefund

    RefundPolicy.objects.create(event=congress, deadline=timezone.now() + datetime.timedelta(days=10))
    order = reserved(congress, kind, "Ann")
    record(order, amount=9000, by=treasurer)
    order.refresh_from_db()
    assert not order.refundable_by_card
    with pytest.raises(OrderRefused) as refused:
        ticket_cancel.cancel_tickets(order_id=order.pk)
    assert refused.value.code == "bank_transfer"
    page = client.get(f"/events/orders/o/{order.token}/")
    assert b"order-cancel" not in page.content
    client.post(f"/events/orders/o/{order.token}/cancel/")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert not TicketRefund.objects.exists()
