import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from events import invitations
from events.models import RSVP, Invitation
from notifications import fanout
from notifications.models import Delivery, FanOut
from tests.events.helpers import answer, deliveries, make_member, make_organiser
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def _invite_and_run(event, segment, **kwargs):
    """Invite, run the invitation's fan-out to its end in batches of 2, and return its progress."""
    invitation = invitations.invite(event=event, segment=segment, by=None, **kwargs)
    job = FanOut.objects.get(key=invitations.job_key(invitation))
    while fanout.run_batch(job.pk):
        pass
    return invitations.progress([invitation])[invitation.pk]


def test_inviting_the_same_person_twice_makes_one_rsvp_and_one_email():
    event = EventFactory()
    _invite_and_run(event, "emails", emails=[["ann@example.org", "Ann"]])
    second = _invite_and_run(event, "emails", emails=[["ann@example.org", "Ann"], ["bob@example.org", ""]])
    assert RSVP.objects.filter(event=event, email="ann@example.org").count() == 1
    assert len(deliveries("event-invitation", to="ann@example.org")) == 1
    assert len(deliveries("event-invitation", to="bob@example.org")) == 1
    assert (second.people, second.queued, second.skipped) == (2, 1, 1)


def test_members_in_good_standing_are_invited_and_lapsed_ones_are_not():
    good, lapsed = make_member(), make_member(lapsed=True)
    event = EventFactory(visibility="members")
    invitation = _invite_and_run(event, "good_standing")
    assert set(event.rsvps.values_list("email", flat=True)) == {good.email}
    assert event.rsvps.get().user == good and event.rsvps.get().status == RSVP.Status.INVITED
    assert invitation.finished_at is not None and not deliveries(to=lapsed.email)


def test_all_members_includes_the_lapsed_ones():
    good, lapsed = make_member(), make_member(lapsed=True)
    organiser_without_terms = make_organiser()
    event = EventFactory()
    _invite_and_run(event, "all_members")
    assert set(event.rsvps.values_list("email", flat=True)) == {good.email, lapsed.email}
    assert not deliveries(to=organiser_without_terms.email)


def test_the_attendees_of_a_past_event_are_invited():
    now = timezone.now()
    past = EventFactory(
        starts_at=now - datetime.timedelta(days=60), ends_at=now - datetime.timedelta(days=60, hours=-2)
    )
    came, declined = RSVPFactory(event=past), RSVPFactory(event=past)
    RSVP.objects.filter(pk=came.pk).update(status="yes")
    RSVP.objects.filter(pk=declined.pk).update(status="no")
    event = EventFactory()
    _invite_and_run(event, "past_event", past_event=past)
    assert list(event.rsvps.values_list("email", flat=True)) == [came.email]


def test_people_who_already_answered_are_not_invited_again():
    event = EventFactory()
    person = RSVPFactory(event=event, email="ann@example.org")
    answer(person, "yes")
    invitation = _invite_and_run(event, "emails", emails=[["ann@example.org", ""]])
    assert invitation.skipped == 1 and not deliveries("event-invitation")


def test_the_invitation_has_yes_maybe_no_links_to_the_rsvp_page(client):
    event = EventFactory(title="Forum on trees")
    _invite_and_run(event, "emails", emails=[["ann@example.org", "Ann"]])
    [email] = deliveries("event-invitation")
    rsvp = event.rsvps.get()
    assert email.category == "invitations"
    for reply in ("yes", "maybe", "no"):
        assert f"/r/{rsvp.token}/?answer={reply}" in email.body_text
        assert f"/r/{rsvp.token}/?answer={reply}" in email.body_html
    link = re.search(r"(/r/\S+/\?answer=yes)", email.body_text).group(1)
    assert client.get(link).status_code == 200


def test_parse_emails_lists_invalid_ones_back():
    valid, invalid = invitations.parse_emails(
        "ann@example.org\nBob <BOB@example.org>, not-an-email; ann@example.org\n\n@x"
    )
    assert valid == [["ann@example.org", ""], ["bob@example.org", "Bob"]]
    assert invalid == ["not-an-email", "@x"]


def test_a_pasted_list_with_invalid_addresses_is_listed_back_and_nothing_is_sent(client, organiser, event):
    client.force_login(organiser)
    response = client.post(
        reverse("events:manage-invite", args=[event.slug]),
        {"segment": "emails", "emails": "ann@example.org\nbob(at)example.org\ncarol@"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "2 of these are not email addresses" in page and "bob(at)example.org" in page and "carol@" in page
    assert not Invitation.objects.exists() and not RSVP.objects.exists()


def test_a_draft_cannot_be_invited_to():
    with pytest.raises(invitations.InvitationRefused):
        invitations.invite(event=EventFactory(status="draft"), segment="good_standing", by=None)


@pytest.mark.django_db(transaction=True)
def test_the_fan_out_runs_on_a_worker_in_batches_and_the_organiser_sees_the_counts(
    client, celery_worker, smtp_server, monkeypatch
):
    monkeypatch.setitem(fanout.sources, invitations.FAN_OUT_SOURCE, fanout.Source(invitations.next_batch, 3))
    organiser = make_organiser()
    event = EventFactory(organisers=[organiser])
    members = [make_member() for _ in range(7)]
    client.force_login(organiser)
    client.post(reverse("events:manage-invite", args=[event.slug]), {"segment": "good_standing"})
    received = smtp_server.wait_for(7)
    assert sorted(m["To"] for m in received) == sorted(m.email for m in members)
    invitation = Invitation.objects.get()
    deadline = time.monotonic() + 10
    while invitations.progress([invitation])[invitation.pk].running and time.monotonic() < deadline:
        time.sleep(0.05)
    progress = invitations.progress([invitation])[invitation.pk]
    assert (progress.people, progress.queued, progress.batches) == (7, 7, 3)
    _wait_until_sent(7)
    page = client.get(reverse("events:manage-event", args=[event.slug])).content.decode()
    assert "<strong>7 sent</strong>" in page


def _wait_until_sent(count: int) -> None:
    deadline = time.monotonic() + 10
    while Delivery.objects.filter(status="sent").count() < count and time.monotonic() < deadline:
        time.sleep(0.05)
