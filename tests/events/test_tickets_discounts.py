"""Discount codes on tickets: amount or percentage, on chosen types, most uses, last day."""

import datetime

import pytest
from django.utils import timezone

from events import ticket_holds
from events.ticket_orders import Attendee, OrderRefused, place_order
from events.ticket_records import DiscountCode, TicketType
from tests.events.helpers import entries
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def congress(db):
    return EventFactory(kind="congress", capacity=100)


@pytest.fixture
def kinds(congress):
    regular = TicketType.objects.create(event=congress, name="Non-member", price_cents=9000)
    student = TicketType.objects.create(event=congress, name="Student", price_cents=2000)
    return regular, student


def code_for(event, types, **values):
    code = DiscountCode.objects.create(event=event, **values)
    code.ticket_types.set(types)
    return code


def order(event, attendees, **kwargs):
    return place_order(event=event, user=None, buyer_name="Ann", buyer_email="ann@example.org",
                       attendees=attendees, **kwargs)  # fmt: skip


def test_an_amount_off_applies_only_to_its_ticket_types(congress, kinds):
    regular, student = kinds
    code_for(congress, [regular], code="FRIEND", kind="amount", value=1500)
    placed = order(congress, [Attendee(regular.pk, "Ann", "ann@example.org"),
                              Attendee(student.pk, "Bo", "bo@example.org")], discount_code="friend")  # fmt: skip
    assert placed.discount_cents == 1500
    assert placed.total_cents == 9000 - 1500 + 2000


def test_a_percentage_off_rounds_in_the_buyers_favour_of_whole_cents(congress, kinds):
    regular, _ = kinds
    code_for(congress, [regular], code="THIRD", kind="percent", value=33)
    placed = order(congress, [Attendee(regular.pk, "Ann", "ann@example.org")], discount_code="THIRD")
    assert placed.total_cents == 9000 - 2970


def test_a_code_past_its_last_day_is_refused_and_nothing_is_held(congress, kinds):
    regular, _ = kinds
    code_for(congress, [regular], code="EARLY", kind="percent", value=10,
             last_day=timezone.localdate() - datetime.timedelta(days=1))  # fmt: skip
    with pytest.raises(OrderRefused) as refused:
        order(congress, [Attendee(regular.pk, "Ann", "ann@example.org")], discount_code="EARLY")
    assert refused.value.code == "code_used"
    assert ticket_holds.seats_left(congress, now=timezone.now()) == 100


def test_an_unknown_code_is_refused(congress, kinds):
    with pytest.raises(OrderRefused) as refused:
        order(congress, [Attendee(kinds[0].pk, "Ann", "ann@example.org")], discount_code="NOPE")
    assert refused.value.code == "no_code"


def test_an_expired_hold_gives_its_code_use_back(congress, kinds):
    regular, _ = kinds
    code = code_for(congress, [regular], code="ONCE", kind="amount", value=100, max_uses=1)
    placed = order(congress, [Attendee(regular.pk, "Ann", "ann@example.org")], discount_code="ONCE")
    code.refresh_from_db()
    assert code.uses == 1
    ticket_holds.expire(order_id=placed.pk)
    code.refresh_from_db()
    assert code.uses == 0


def test_organiser_adds_a_code_with_an_audit_row(client, organiser, congress, kinds):
    congress.organisers.add(organiser)
    client.force_login(organiser)
    data = {"code": "PRESS", "kind": "percent", "value": "100", "ticket_types": [kinds[0].pk], "max_uses": "5"}
    assert client.post(f"/manage/events/{congress.slug}/discount-codes/", data).status_code == 302
    code = DiscountCode.objects.get()
    assert entries(code, "discount_code.created")[0].by == organiser
    bad = client.post(f"/manage/events/{congress.slug}/discount-codes/", {**data, "code": "X", "value": "120"})
    assert bad.status_code == 400 and DiscountCode.objects.count() == 1
