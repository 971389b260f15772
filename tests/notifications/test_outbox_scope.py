"""Staff see only the mail their role looks after on /manage/outbox/: treasurers the
members' and account mail, organisers the mail of the events they organise,
superusers everything. The list, the detail, the actions, the counts and the kind
filter all obey it."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events import notices
from members import emails
from notifications import outbox
from notifications.models import Announcement, Delivery
from notifications.outbox import Notice
from tests.events.helpers import answer
from tests.factories import EventFactory, MemberFactory, RSVPFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Delivery.Status


def _staff(*roles: str, **kwargs):
    user = UserFactory(**kwargs)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _announce(segment: str, to: str) -> Delivery:
    announcement = Announcement.objects.create(subject=f"To {segment}", body="Hello", segment=segment)
    key = f"announcement:{announcement.pk}:{to}"
    with transaction.atomic():
        outbox.queue_many([Notice(key=key, kind="announcement", to=to, facts={"announcement": announcement.pk},
                                  announcement_id=announcement.pk)])  # fmt: skip
    return Delivery.objects.get(key=key)


@pytest.fixture
def mail():
    """Two organisers' events with one answer each, an invitation, members' and account
    mail, and an announcement to each event's attendees and to members."""
    ours, theirs = _staff("Organiser"), _staff("Organiser")
    rivers = EventFactory(title="Forum on clean rivers", organisers=[ours])
    bees = EventFactory(title="Symposium on bees", organisers=[theirs])
    answer(RSVPFactory(event=rivers, email="ann@example.org"), "yes")
    answer(RSVPFactory(event=bees, email="bob@example.org"), "yes")
    member = MemberFactory(user__email="mia@example.org")
    with transaction.atomic():
        outbox.queue_many([notices.invitation(RSVPFactory(event=bees, email="cy@example.org"))])
        emails.queue_welcome(member)
        outbox.queue_message(key="account:login_code:1", to="mia@example.org", kind="account-login_code",
                             subject="Your code", text="ABCD", confidential=True)  # fmt: skip
    rows = {
        "ann": Delivery.objects.get(to="ann@example.org", kind="event-yes"),
        "bob": Delivery.objects.get(to="bob@example.org", kind="event-yes"),
        "cy": Delivery.objects.get(to="cy@example.org"),
        "welcome": Delivery.objects.get(kind="welcome"),
        "account": Delivery.objects.get(kind="account-login_code"),
        "rivers_message": _announce(f"events:event:{rivers.pk}:yes", "ann@example.org"),
        "bees_message": _announce(f"events:event:{bees.pk}:yes", "bob@example.org"),
        "members_message": _announce("members:good-standing", "mia@example.org"),
    }
    return {"ours": ours, "theirs": theirs, "rivers": rivers, "bees": bees, "rows": rows}


def _listed(client) -> set[int]:
    page = client.get("/manage/outbox/").content.decode()
    return {row.pk for row in Delivery.objects.all() if f'href="/manage/outbox/{row.pk}/"' in page}


def _pks(mail, *names) -> set[int]:
    return {mail["rows"][name].pk for name in names}


def test_an_organiser_sees_the_mail_of_their_events_and_their_messages_to_its_attendees(client, mail):
    client.force_login(mail["ours"])
    assert _listed(client) == _pks(mail, "ann", "rivers_message")
    client.force_login(mail["theirs"])
    assert _listed(client) == _pks(mail, "bob", "cy", "bees_message")


def test_a_treasurer_sees_members_and_account_mail_and_announcements_to_members(client, mail):
    client.force_login(_staff("Treasurer"))
    assert _listed(client) == _pks(mail, "welcome", "account", "members_message")


def test_both_roles_see_both_and_a_superuser_sees_everything(client, mail):
    both = _staff("Treasurer")
    both.groups.add(Group.objects.get(name="Organiser"))
    mail["rivers"].organisers.add(both)
    client.force_login(both)
    assert _listed(client) == _pks(mail, "ann", "rivers_message", "welcome", "account", "members_message")
    client.force_login(UserFactory(is_superuser=True))
    assert _listed(client) == _pks(mail, *mail["rows"])


def test_mail_outside_ones_scope_is_404_on_every_page_and_action(client, mail):
    bob, welcome = mail["rows"]["bob"], mail["rows"]["welcome"]
    Delivery.objects.filter(pk=bob.pk).update(status=Status.FAILED)
    Delivery.objects.filter(pk=welcome.pk).update(status=Status.UNCERTAIN)
    client.force_login(mail["ours"])
    for row in (bob, welcome):
        assert client.get(f"/manage/outbox/{row.pk}/").status_code == 404
        assert client.post(f"/manage/outbox/{row.pk}/retry/").status_code == 404
        assert client.post(f"/manage/outbox/{row.pk}/mark-sent/").status_code == 404
    assert Delivery.objects.get(pk=bob.pk).status == Status.FAILED
    assert Delivery.objects.get(pk=welcome.pk).status == Status.UNCERTAIN
    ann = mail["rows"]["ann"]
    Delivery.objects.filter(pk=ann.pk).update(status=Status.FAILED)
    assert client.get(f"/manage/outbox/{ann.pk}/").status_code == 200
    client.post(f"/manage/outbox/{ann.pk}/retry/")
    assert Delivery.objects.get(pk=ann.pk).status == Status.QUEUED


def test_the_counts_and_the_attention_card_count_only_ones_own_mail(client, mail):
    Delivery.objects.filter(pk__in=_pks(mail, "bob", "cy")).update(status=Status.FAILED)
    Delivery.objects.filter(pk=mail["rows"]["welcome"].pk).update(status=Status.UNCERTAIN)
    client.force_login(mail["ours"])
    page = client.get("/manage/outbox/").content.decode()
    assert "Failed: 0" in page and "Uncertain: 0" in page and "uncertain:</strong>" not in page
    assert "Queued: 2" in page
    assert "failed</span>" not in client.get("/manage/").content.decode()
    client.force_login(mail["theirs"])
    assert "Failed: 2" in client.get("/manage/outbox/").content.decode()
    assert "2 failed</span>" in client.get("/manage/").content.decode()
    client.force_login(_staff("Treasurer"))
    assert "1 uncertain" in client.get("/manage/").content.decode()


def test_the_kind_filter_offers_ones_own_kinds_in_words(client, mail):
    client.force_login(mail["theirs"])
    page = client.get("/manage/outbox/").content.decode()
    assert '<option value="event-yes">RSVP confirmation: yes</option>' in page
    assert '<option value="event-invitation">Event invitation</option>' in page
    assert '<option value="announcement">Announcement or message to attendees</option>' in page
    assert 'value="welcome"' not in page and 'value="account-login_code"' not in page
    assert "<td>RSVP confirmation: yes</td>" in page, "the list names kinds in words too"
    filtered = client.get("/manage/outbox/", {"kind": "event-yes"}).content.decode()
    assert "bob@example.org" in filtered and "cy@example.org" not in filtered
    client.force_login(_staff("Treasurer"))
    page = client.get("/manage/outbox/").content.decode()
    assert '<option value="account-login_code">Account email: login code</option>' in page
    assert '<option value="welcome">Welcome to the society</option>' in page
    assert 'value="event-yes"' not in page
    leaked = client.get("/manage/outbox/", {"kind": "event-yes"}).content.decode()
    assert "bob@example.org" not in leaked and "ann@example.org" not in leaked


def test_a_message_not_yet_written_is_headed_by_its_kind_in_words(client, mail):
    client.force_login(mail["theirs"])
    row = mail["rows"]["cy"]
    assert not row.subject
    page = client.get(f"/manage/outbox/{row.pk}/").content.decode()
    assert "<h1>Event invitation</h1>" in page and "(no subject)" not in page
    assert "<title>Event invitation" in page


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/manage/outbox/").status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["Organiser", "Treasurer"])
def test_the_scoped_list_takes_the_same_queries_for_many_rows(client, mail, role, django_assert_max_num_queries):
    viewer = mail["ours"] if role == "Organiser" else _staff("Treasurer")
    client.force_login(viewer)
    few = _queries(client)
    for n in range(12):
        event = EventFactory(organisers=[viewer]) if role == "Organiser" else mail["bees"]
        answer(RSVPFactory(event=event, email=f"more{n}@example.org"), "yes")
        with transaction.atomic():
            emails.queue_welcome(MemberFactory(user__email=f"member{n}@example.org"))
        _announce(f"events:event:{event.pk}:yes", f"more{n}@example.org")
        _announce("members:lapsed", f"member{n}@example.org")
    assert len(_listed(client)) > 12
    assert _queries(client) == few
    with django_assert_max_num_queries(12):
        client.get("/manage/outbox/")
