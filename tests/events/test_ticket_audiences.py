"""Messages to attendees by ticket type: an audience per ticket type, only on events that sell tickets."""

import pytest

from events import audiences, mail_scope
from events.ticket_orders import Attendee, place_order
from events.ticket_records import TicketType
from tests.events.helpers import deliveries

pytestmark = pytest.mark.django_db


def _free_order(event, kind, *names):
    attendees = [Attendee(kind.pk, name, f"{name.lower()}@example.org") for name in names]
    return place_order(event=event, user=None, buyer_name=names[0], buyer_email=attendees[0].email, attendees=attendees)


@pytest.fixture
def ticketed(event):
    speaker = TicketType.objects.create(event=event, name="Speaker", price_cents=0)
    member = TicketType.objects.create(event=event, name="Member", price_cents=0)
    _free_order(event, speaker, "Sam")
    _free_order(event, member, "Mia", "Max")
    return speaker, member


def _post(client, event, audience):
    data = {"audience": audience, "kind": "operational-message", "subject": "Speakers' room",
            "body": "The speakers meet in room 2.", "send_at": "", "send": "1"}  # fmt: skip
    return client.post(f"/manage/events/{event.slug}/messages/", data)


def test_an_event_selling_tickets_offers_an_audience_per_ticket_type(client, organiser, event, ticketed):
    speaker, member = ticketed
    client.force_login(organiser)
    page = client.get(f"/manage/events/{event.slug}/")
    choices = dict(page.context["message_form"].fields["audience"].choices)
    assert choices[f"ticket-{speaker.pk}"] == "Speaker ticket holders"
    assert choices[f"ticket-{member.pk}"] == "Member ticket holders"


def test_a_free_event_offers_no_ticket_audience(event):
    assert not [a.key for a in audiences.for_event(event) if a.key.startswith("ticket-")]


def test_a_message_to_one_ticket_type_reaches_only_its_holders(client, organiser, event, ticketed):
    speaker, _member = ticketed
    client.force_login(organiser)
    response = _post(client, event, f"ticket-{speaker.pk}")
    assert response.status_code == 302
    assert {mail.to for mail in deliveries(kind="operational-message")} == {"sam@example.org"}


def test_another_events_ticket_type_is_refused(client, organiser, event, ticketed):
    from tests.factories import EventFactory

    other = EventFactory(organisers=[organiser])
    stranger = TicketType.objects.create(event=other, name="Guest", price_cents=0)
    client.force_login(organiser)
    assert _post(client, event, f"ticket-{stranger.pk}").status_code == 400
    assert not deliveries(kind="operational-message")


def test_the_organisers_mail_scope_includes_each_ticket_audience(organiser, event, ticketed):
    speaker, _member = ticketed
    segments = mail_scope.organiser_segments(organiser)
    assert f"events:event:{event.pk}:ticket-{speaker.pk}" in segments
    assert f"events:event:{event.pk}:yes" in segments
