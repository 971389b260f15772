"""Ticket types on the organiser's pages, offers by standing, and free orders with named attendees."""

import datetime

import pytest
from django.utils import timezone

from events.models import RSVP
from events.ticket_offers import buyer_of, offers_for
from events.ticket_orders import Attendee, OrderRefused, place_order
from events.ticket_records import Order, TicketType
from tests.events.helpers import deliveries, entries, make_member
from tests.factories import EventFactory, PlanFactory, RSVPFactory, UserFactory

pytestmark = pytest.mark.django_db


def ticket(event, **values):
    values.setdefault("name", "Non-member")
    values.setdefault("price_cents", 0)
    return TicketType.objects.create(event=event, **values)


def type_form(**overrides):
    data = {
        "name": "Member",
        "price_cents": "4500",
        "audience": "good_standing",
        "quantity": "",
        "sale_starts_at": "",
        "sale_ends_at": "",
        "max_per_order": "4",
        "unlock_code": "",
    }
    data.update(overrides)
    return data


def test_organiser_adds_a_ticket_type_with_an_audit_row(client, organiser, event):
    client.force_login(organiser)
    response = client.post(f"/manage/events/{event.slug}/tickets/", type_form())
    assert response.status_code == 302
    added = TicketType.objects.get(event=event)
    assert (added.name, added.price_cents, added.audience, added.max_per_order) == ("Member", 4500, "good_standing", 4)
    [entry] = entries(added, "ticket_type.created")
    assert entry.by == organiser
    assert entry.changes["price_cents"] == [None, 4500]


def test_a_hidden_ticket_without_a_code_is_refused_and_nothing_is_added(client, organiser, event):
    client.force_login(organiser)
    response = client.post(f"/manage/events/{event.slug}/tickets/", type_form(hidden="on"))
    assert response.status_code == 400
    assert "A hidden ticket needs the code that unlocks it." in response.content.decode()
    assert not TicketType.objects.exists()


def test_a_plans_ticket_needs_its_plans(client, organiser, event):
    client.force_login(organiser)
    response = client.post(f"/manage/events/{event.slug}/tickets/", type_form(audience="plans"))
    assert response.status_code == 400
    assert not TicketType.objects.exists()


def test_another_organisers_event_has_no_ticket_page(client, event):
    from tests.events.helpers import make_organiser

    client.force_login(make_organiser())
    assert client.get(f"/manage/events/{event.slug}/tickets/").status_code == 404
    assert client.post(f"/manage/events/{event.slug}/tickets/", type_form()).status_code == 404


def test_a_member_is_refused_the_ticket_page(client, member, event):
    client.force_login(member)
    assert client.get(f"/manage/events/{event.slug}/tickets/").status_code == 403


def test_the_ticket_page_lists_its_types_in_a_fixed_number_of_queries(
    client, organiser, event, django_assert_max_num_queries
):
    plan = PlanFactory()
    for n in range(6):
        kind = ticket(event, name=f"T{n}", audience="plans")
        kind.plans.set([plan])
    client.force_login(organiser)
    with django_assert_max_num_queries(20):
        response = client.get(f"/manage/events/{event.slug}/tickets/")
    assert response.status_code == 200
    assert response.content.decode().count("<td>T5") == 1


def test_a_ticket_type_already_ordered_cannot_be_removed(client, organiser, event):
    kind = ticket(event)
    place_order(event=event, user=None, buyer_name="Ann", buyer_email="ann@example.org",
                attendees=[Attendee(kind.pk, "Ann", "ann@example.org")])  # fmt: skip
    client.force_login(organiser)
    client.post(f"/manage/events/{event.slug}/tickets/{kind.pk}/remove/")
    assert TicketType.objects.filter(pk=kind.pk).exists()


def test_offers_by_standing(event):
    anyone = ticket(event, name="Non-member", price_cents=9000)
    members = ticket(event, name="Member", price_cents=4500, audience="good_standing")
    PlanFactory(amount_cents=3000)
    stranger = offers_for(event, buyer=buyer_of(None))
    assert [(o.ticket_type, o.may_buy, o.via) for o in stranger] == [(members, False, "join"), (anyone, True, "")]
    lapsed = offers_for(event, buyer=buyer_of(make_member(lapsed=True)))
    assert [(o.may_buy, o.via) for o in lapsed] == [(False, "renew"), (True, "")]
    good = offers_for(event, buyer=buyer_of(make_member()))
    assert [o.may_buy for o in good] == [True, True]


def test_a_hidden_ticket_is_offered_only_with_its_code(event):
    ticket(event, name="Speaker", hidden=True, unlock_code="SPEAK26")
    assert offers_for(event, buyer=buyer_of(None)) == []
    assert [o.ticket_type.name for o in offers_for(event, buyer=buyer_of(None), unlock_code="SPEAK26")] == ["Speaker"]


def test_a_ticket_outside_its_sale_window_is_not_offered(event):
    now = timezone.now()
    ticket(event, sale_ends_at=now - datetime.timedelta(minutes=1))
    assert offers_for(event, buyer=buyer_of(None), now=now) == []


def test_a_free_order_confirms_each_named_attendee_with_a_yes_and_a_ticket_email(event):
    kind = ticket(event)
    order = place_order(
        event=event, user=None, buyer_name="Ann", buyer_email="ann@example.org",
        attendees=[Attendee(kind.pk, "Ann", "ann@example.org"), Attendee(kind.pk, "Bob", "bob@example.org")],
    )  # fmt: skip
    assert order.status == Order.Status.PAID
    rsvps = RSVP.objects.filter(event=event).order_by("email")
    assert [(r.email, r.name, r.status) for r in rsvps] == [
        ("ann@example.org", "Ann", "yes"),
        ("bob@example.org", "Bob", "yes"),
    ]
    event.refresh_from_db()
    assert event.seats_taken == 2
    assert sorted(mail.to for mail in deliveries(kind="event-ticket")) == ["ann@example.org", "bob@example.org"]


def test_a_member_ticket_is_refused_to_a_non_member_and_nothing_is_held(event):
    kind = ticket(event, name="Member", audience="good_standing")
    with pytest.raises(OrderRefused) as refused:
        place_order(event=event, user=UserFactory(), buyer_name="Ann", buyer_email="ann@example.org",
                    attendees=[Attendee(kind.pk, "Ann", "ann@example.org")])  # fmt: skip
    assert refused.value.code == "members"
    assert not Order.objects.exists()


def test_more_than_the_most_per_order_is_refused(event):
    kind = ticket(event, max_per_order=1)
    with pytest.raises(OrderRefused) as refused:
        two = [Attendee(kind.pk, "A", "a@example.org"), Attendee(kind.pk, "B", "b@example.org")]
        place_order(event=event, user=None, buyer_name="Ann", buyer_email="ann@example.org", attendees=two)
    assert refused.value.code == "per_order"


def test_a_sold_out_type_is_refused(event):
    kind = ticket(event, quantity=1)
    place_order(event=event, user=None, buyer_name="A", buyer_email="a@example.org",
                attendees=[Attendee(kind.pk, "A", "a@example.org")])  # fmt: skip
    with pytest.raises(OrderRefused) as refused:
        place_order(event=event, user=None, buyer_name="B", buyer_email="b@example.org",
                    attendees=[Attendee(kind.pk, "B", "b@example.org")])  # fmt: skip
    assert refused.value.code == "sold_out"


def test_free_rsvp_yes_is_refused_on_a_ticketed_event_but_works_on_a_free_one(client, event):
    from events.rsvp import RSVPRefused, respond

    person = RSVPFactory(event=event)
    respond(rsvp_id=person.pk, answer="yes")
    person.refresh_from_db()
    assert person.status == "yes"
    other = EventFactory()
    ticket(other)
    with pytest.raises(RSVPRefused):
        respond(rsvp_id=RSVPFactory(event=other).pk, answer="yes")


def test_register_page_names_attendees_and_orders(client, event):
    kind = ticket(event)
    page = client.get(f"/events/{event.slug}/register/")
    assert page.status_code == 200
    step = client.post(f"/events/{event.slug}/register/", {f"q-{kind.pk}": "2"})
    assert step.status_code == 200 and "a1-name" in step.content.decode()
    assert not Order.objects.exists(), "naming attendees holds nothing yet"
    data = {f"q-{kind.pk}": "2", "a0-ticket_type": kind.pk, "a0-name": "Ann", "a0-email": "ann@example.org",
            "a1-ticket_type": kind.pk, "a1-name": "Bob", "a1-email": "bob@example.org"}  # fmt: skip
    done = client.post(f"/events/{event.slug}/register/", data)
    order = Order.objects.get()
    assert done.status_code == 302 and done["Location"] == order.capability_url
    assert client.get(order.capability_url).status_code == 200
    assert [line.attendee_name for line in order.lines.all()] == ["Ann", "Bob"]


def test_the_order_page_by_id_is_only_for_its_buyer(client, event):
    kind = ticket(event)
    buyer = make_member()
    order = place_order(event=event, user=buyer, buyer_name="B", buyer_email=buyer.email,
                        attendees=[Attendee(kind.pk, "B", buyer.email)])  # fmt: skip
    client.force_login(UserFactory())
    assert client.get(f"/events/orders/{order.pk}/").status_code == 404
    client.force_login(buyer)
    assert client.get(f"/events/orders/{order.pk}/").status_code == 200


def test_a_signed_in_members_orders_appear_on_their_membership_page(client, event):
    kind = ticket(event, name="Non-member")
    buyer = make_member()
    order = place_order(event=event, user=buyer, buyer_name="B", buyer_email=buyer.email,
                        attendees=[Attendee(kind.pk, "B", buyer.email)])  # fmt: skip
    client.force_login(buyer)
    page = client.get("/membership/").content.decode()
    assert "Your ticket orders" in page and f"/events/orders/{order.pk}/" in page
    client.force_login(make_member())
    assert "Your ticket orders" not in client.get("/membership/").content.decode()


def test_the_register_page_and_an_order_page_list_in_a_fixed_number_of_queries(
    client, event, django_assert_max_num_queries
):
    kinds = [ticket(event, name=f"Kind {n}", price_cents=0) for n in range(8)]
    attendees = [Attendee(kind.pk, f"P{n}", f"p{n}@example.org") for n, kind in enumerate(kinds)]
    order = place_order(event=event, user=None, buyer_name="P0", buyer_email="p0@example.org", attendees=attendees)
    with django_assert_max_num_queries(12):
        assert client.get(f"/events/{event.slug}/register/").status_code == 200
    with django_assert_max_num_queries(12):
        page = client.get(order.capability_url)
    assert page.content.decode().count("<td>P") == 8


def test_the_ticket_page_counts_paid_orders_money_and_holds(client, organiser, event):
    free, paid = ticket(event, name="Free"), ticket(event, name="Paid", price_cents=5000)
    place_order(event=event, user=None, buyer_name="A", buyer_email="a@example.org",
                attendees=[Attendee(free.pk, "A", "a@example.org")])  # fmt: skip
    place_order(event=event, user=None, buyer_name="B", buyer_email="b@example.org",
                attendees=[Attendee(paid.pk, "B", "b@example.org")])  # fmt: skip
    client.force_login(organiser)
    text = client.get(f"/manage/events/{event.slug}/tickets/").content.decode()
    numbers = text[text.index('id="order-numbers"') :].split("</p>")[0]
    assert "1 paid order" in numbers and "1 order holding seats while paying" in numbers and "0 refunded" in numbers


def test_a_members_only_event_sells_no_ticket_to_a_non_member(event):
    event.visibility = event.Visibility.MEMBERS
    event.save()
    kind = ticket(event, name="Anyone")
    with pytest.raises(OrderRefused) as refused:
        place_order(event=event, user=None, buyer_name="A", buyer_email="a@example.org",
                    attendees=[Attendee(kind.pk, "A", "a@example.org")])  # fmt: skip
    assert refused.value.code == "members_only"
    buyer = make_member()
    order = place_order(event=event, user=buyer, buyer_name="M", buyer_email=buyer.email,
                        attendees=[Attendee(kind.pk, "M", buyer.email)])  # fmt: skip
    assert order.is_paid


def test_the_event_page_counts_held_seats_as_taken_on_a_ticketed_event(client):
    congress = EventFactory(capacity=3)
    kind = ticket(congress, price_cents=1000)
    two = [Attendee(kind.pk, "A", "a@example.org"), Attendee(kind.pk, "B", "b@example.org")]
    place_order(event=congress, user=None, buyer_name="A", buyer_email="a@example.org", attendees=two)
    page = client.get(f"/events/{congress.slug}/")
    assert page.context["seats_left"] == 1
    assert f"/events/{congress.slug}/register/" in page.content.decode()


def test_the_first_attendee_of_a_signed_in_buyer_is_themselves_to_begin_with(client, event):
    kind = ticket(event)
    buyer = make_member()
    client.force_login(buyer)
    step = client.post(f"/events/{event.slug}/register/", {f"q-{kind.pk}": "2"}).content.decode()
    assert f'value="{buyer.email}"' in step
    assert step.count(f'value="{buyer.email}"') == 1, "the guest's fields start empty"
