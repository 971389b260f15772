"""What an organiser and a treasurer can read on /manage/outbox/, after real emails of
several kinds were composed and sent by a worker: none of it works as someone's key
(answer, unsubscribe, renew, card, check-in), and an organiser sees nothing of
another organiser's event."""

import datetime
import re
import time
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from events import notices
from members import arrears
from members.reminders import queue_renewal_reminders
from notifications import outbox
from notifications.models import Announcement, Delivery
from tests.events.helpers import answer
from tests.factories import EventFactory, MemberFactory, RSVPFactory, TermFactory, UserFactory
from tests.notifications.live_tokens import live_tokens

pytestmark = pytest.mark.django_db(transaction=True)
HREF = re.compile(r'href="([^"]+)"')


def _staff(role: str):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def crawl(client, start: str = "/manage/outbox/", limit: int = 300) -> dict[str, str]:
    """Every page under /manage/outbox/ reachable from `start` by its links: {path: HTML}."""
    pages, waiting = {}, deque([start])
    while waiting and len(pages) < limit:
        path = waiting.popleft()
        if path in pages:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = page = response.content.decode()
        for href in HREF.findall(page):
            target = urljoin(path, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.path.startswith("/manage/outbox/") and not parts.netloc:
                waiting.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages


@pytest.fixture
def sent_mail(client, celery_worker, smtp_server, settings):
    """Two events with different organisers, each with an answer; an invitation; an
    organiser's message to their attendees; a renewal reminder; a failed card payment."""
    ours, theirs = _staff("Organiser"), _staff("Organiser")
    rivers = EventFactory(title="Forum on clean rivers", organisers=[ours])
    bees = EventFactory(title="Symposium on bees", organisers=[theirs])
    ann = RSVPFactory(event=rivers, email="ann@example.org", name="Ann Rivers")
    bob = RSVPFactory(event=bees, email="bob@example.org", name="Bob Bees")
    cy = RSVPFactory(event=bees, email="cy@example.org", name="Cy Bees")
    answer(ann, "yes")
    answer(bob, "yes")
    with transaction.atomic():
        outbox.queue_many([notices.invitation(cy)])

    today = timezone.localdate()
    renewing = TermFactory(
        member=MemberFactory(user__email="rene@example.org"),
        start=today - datetime.timedelta(days=358),
        end=today + datetime.timedelta(days=7),
    ).member
    queue_renewal_reminders(timezone.now())
    card = TermFactory(member=MemberFactory(user__email="carla@example.org"), start=today).member
    arrears.record_failed_charge(
        member=card,
        invoice_id="in_test_crawl",
        subscription_id="sub_test_crawl",
        amount_cents=6000,
        currency="USD",
        attempt_count=1,
        failure_message="Your card was declined.",
        next_attempt_at=None,
        failed_at=timezone.now(),
    )

    client.post("/accounts/password/reset/", {"email": "rene@example.org"})  # account mail, with its secret link

    client.force_login(ours)
    segment = f"events:event:{rivers.pk}:yes"
    form = {"subject": "Bring boots", "body": "The river bank is muddy.", "category": "newsletters", "segment": segment}
    client.post("/manage/announcements/new/", form)
    client.post(f"/manage/announcements/{Announcement.objects.get().pk}/send/")
    client.logout()

    # Every kind sent, and nothing left for the worker.
    kinds = {
        "event-yes",
        "event-invitation",
        "announcement",
        "renewal-reminder",
        "payment-failed",
        "account-password_reset_key",
    }
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = set(Delivery.objects.filter(status="sent").values_list("kind", flat=True))
        if kinds <= sent and not Delivery.objects.filter(status__in=["queued", "sending"]).exists():
            break
        time.sleep(0.1)
    assert kinds <= set(Delivery.objects.filter(status="sent").values_list("kind", flat=True))
    return {
        "ours": ours,
        "theirs": theirs,
        "rivers": rivers,
        "bees": bees,
        "members": [renewing, card],
        "messages": smtp_server.messages,
    }


def _raw(message) -> str:
    return "\n".join(
        part.get_content()
        for part in message.walk()
        if part.get_content_maintype() == "text" and not part.is_multipart()
    ) + "".join(f"\n{name}: {value}" for name, value in message.items())


def test_the_sent_emails_do_carry_working_keys(sent_mail):
    """The checker finds each kind of key in what people received: it is not blind."""
    found = {what for message in sent_mail["messages"] for what, _token in live_tokens(_raw(message))}
    assert {"RSVP token", "unsubscribe token", "renewal link", "card link", "check-in code"} <= found


def test_an_organisers_crawl_of_the_outbox_finds_no_working_link_and_no_other_event(client, sent_mail):
    client.force_login(sent_mail["ours"])
    pages = crawl(client)
    details = [path for path in pages if re.fullmatch(r"/manage/outbox/\d+/", path)]
    mine = Delivery.objects.filter(to="ann@example.org")
    assert {f"/manage/outbox/{pk}/" for pk in mine.values_list("pk", flat=True)} <= set(details)
    assert len(details) == mine.count(), "their attendee's answer and their message, nothing else"
    everything = "\n".join(pages.values())
    assert live_tokens(everything) == set()
    for stranger in ("bob@example.org", "cy@example.org", "Symposium on bees", "rene@example.org", "carla@"):
        assert stranger not in everything
    for other in Delivery.objects.exclude(to="ann@example.org"):
        assert client.get(f"/manage/outbox/{other.pk}/").status_code == 404


def test_a_treasurers_crawl_of_the_outbox_finds_no_working_link_and_no_event_mail(client, sent_mail):
    client.force_login(_staff("Treasurer"))
    pages = crawl(client)
    details = {path for path in pages if re.fullmatch(r"/manage/outbox/\d+/", path)}
    members_mail = Delivery.objects.filter(to__in=["rene@example.org", "carla@example.org"])
    assert details == {f"/manage/outbox/{pk}/" for pk in members_mail.values_list("pk", flat=True)}
    kinds = set(members_mail.values_list("kind", flat=True))
    assert {"renewal-reminder", "payment-failed"} <= kinds
    everything = "\n".join(pages.values())
    assert live_tokens(everything) == set()
    assert "[personal link]" in everything, "the renew and card links were there, and are hidden"
    [reset] = [m for m in sent_mail["messages"] if "/accounts/password/reset/key/" in _raw(m)]
    secret_links = {link for link in re.findall(r"https?://\S+", _raw(reset)) if "/reset/key/" in link}
    assert secret_links and not any(link.split("/key/")[1].strip("/") in everything for link in secret_links)
    for stranger in ("ann@example.org", "bob@example.org", "Forum on clean rivers", "Symposium on bees"):
        assert stranger not in everything
    for event_mail in Delivery.objects.exclude(pk__in=members_mail):
        assert client.get(f"/manage/outbox/{event_mail.pk}/").status_code == 404
