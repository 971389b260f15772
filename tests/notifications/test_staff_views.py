import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from notifications import access, outbox, sending
from notifications.models import Category, Delivery
from tests.factories import UserFactory
from tests.notifications.conftest import queue

pytestmark = pytest.mark.django_db
Status = Delivery.Status


@pytest.fixture
def organiser(client, monkeypatch):
    """An organiser whose role looks after the test kinds of email (tests/notifications/conftest.py)."""
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name="Organiser")[0])
    tests_mail = access.Scope(deliveries=lambda user: Q(kind__startswith="test-") | Q(kind="event-reminder"))
    monkeypatch.setitem(access.scopes, "Organiser", tests_mail)
    client.force_login(user)
    return user


def test_the_outbox_is_for_organisers_treasurers_and_superusers(client):
    assert client.get("/manage/outbox/").status_code == 302, "sign in first"
    client.force_login(UserFactory())
    assert client.get("/manage/outbox/").status_code == 403
    treasurer = UserFactory()
    treasurer.groups.add(Group.objects.get_or_create(name="Treasurer")[0])
    client.force_login(treasurer)
    assert client.get("/manage/outbox/").status_code == 200
    client.force_login(UserFactory(is_superuser=True))
    assert client.get("/manage/outbox/").status_code == 200


def test_deliveries_are_searchable_by_recipient_kind_and_status(client, organiser):
    queue("a", "ann@example.org", subject="For Ann")
    queue("b", "bob@example.org", subject="For Bob")
    Delivery.objects.filter(key="b").update(status=Status.FAILED, kind="event-reminder")
    page = client.get("/manage/outbox/", {"q": "ANN"}).content.decode()
    assert "ann@example.org" in page and "bob@example.org" not in page
    page = client.get("/manage/outbox/", {"status": "failed"}).content.decode()
    assert "bob@example.org" in page and "ann@example.org" not in page
    page = client.get("/manage/outbox/", {"kind": "event-reminder"}).content.decode()
    assert "bob@example.org" in page and "ann@example.org" not in page


def test_the_outbox_list_takes_the_same_queries_for_many_rows(client, organiser):
    queue("first")
    with CaptureQueriesContext(connection) as few:
        client.get("/manage/outbox/")
    for n in range(40):
        queue(f"more:{n}", f"p{n}@example.org")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/manage/outbox/").status_code == 200
    assert len(many) == len(few)


def test_a_delivery_shows_its_error_attempts_and_rendered_message(client, organiser, smtp_server):
    delivery = queue("detail", subject="Renew now").delivery
    page = client.get(f"/manage/outbox/{delivery.pk}/").content.decode()
    assert "writes this message just before it sends it" in page, "not composed yet"
    sending.send_due()
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED, attempts=3, last_error="550 No such user")
    page = client.get(f"/manage/outbox/{delivery.pk}/").content.decode()
    assert "550 No such user" in page and "<dd>3</dd>" in page
    assert "Renew now body" in page and "srcdoc=" in page
    assert "List-Unsubscribe" in page and "/u/" not in page, "the unsubscribe link is hidden from staff"


def test_a_message_with_a_sign_in_secret_is_not_shown(client):
    treasurer = UserFactory()
    treasurer.groups.add(Group.objects.get_or_create(name="Treasurer")[0])
    client.force_login(treasurer)
    delivery = outbox.queue_message(
        key="account:login_code:1",
        to="x@example.org",
        kind="account-login_code",
        subject="Your code",
        text="Your code is ABCD-EFGH",
        confidential=True,
    )
    delivery = Delivery.objects.get(key="account:login_code:1")
    page = client.get(f"/manage/outbox/{delivery.pk}/").content.decode()
    assert "ABCD-EFGH" not in page and "sign-in secret" in page


def test_staff_retry_a_failed_delivery_by_post_only(client, organiser):
    delivery = queue("failed").delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED, last_error="550")
    assert client.get(f"/manage/outbox/{delivery.pk}/retry/").status_code == 405
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    response = client.post(f"/manage/outbox/{delivery.pk}/retry/", follow=True)
    delivery.refresh_from_db()
    assert delivery.status == Status.QUEUED and "queued to be sent again" in response.content.decode()


def test_retrying_a_sent_delivery_is_refused_with_a_message(client, organiser):
    delivery = queue("sent", category=Category.TRANSACTIONAL).delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.SENT)
    response = client.post(f"/manage/outbox/{delivery.pk}/retry/", follow=True)
    assert "Only a failed or uncertain delivery can be sent again" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT


def test_uncertain_deliveries_are_announced_on_the_outbox_page(client, organiser):
    delivery = queue("uncertain").delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.UNCERTAIN, last_error=str(sending.UNCERTAIN_ERROR))
    page = client.get("/manage/outbox/").content.decode()
    assert "1 uncertain" in page and "?status=uncertain" in page
    client.post(f"/manage/outbox/{delivery.pk}/mark-sent/")
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT


def test_staff_suppress_an_address_and_lift_it(client, organiser):
    waiting = queue("waiting", "gone@example.org").delivery
    response = client.post("/manage/outbox/suppressions/", {"email": "Gone@Example.org", "detail": "asked by phone"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.SUPPRESSED
    page = client.get("/manage/outbox/suppressions/").content.decode()
    assert "gone@example.org" in page and "asked by phone" in page
    bad = client.post("/manage/outbox/suppressions/", {"email": "not an address"})
    assert bad.status_code == 200 and "Enter a valid email address" in bad.content.decode()
    from notifications.models import Suppression

    client.post(f"/manage/outbox/suppressions/{Suppression.objects.get().pk}/lift/")
    lifted = Suppression.objects.get()
    assert lifted.lifted_at is not None and lifted.lifted_by == organiser, "kept, marked lifted"
    assert queue("after", "gone@example.org").delivery.status == Status.QUEUED


def test_the_manage_page_shows_the_outbox_card_with_what_needs_attention(client, organiser):
    delivery = queue("attention").delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.UNCERTAIN)
    page = client.get("/manage/").content.decode()
    assert "/manage/outbox/" in page and "1 uncertain" in page and "failed</span>" not in page


def test_the_suppression_and_announcement_lists_take_the_same_queries_for_many_rows(client, organiser):
    from notifications.models import Announcement, Suppression

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    Suppression.objects.create(email="s0@example.org", reason="staff", created_by=organiser)
    Announcement.objects.create(subject="A0", body="x", segment="club:all", created_by=organiser)
    few = (queries("/manage/outbox/suppressions/"), queries("/manage/announcements/"))
    for n in range(1, 30):
        Suppression.objects.create(email=f"s{n}@example.org", reason="staff", created_by=organiser)
        Announcement.objects.create(subject=f"A{n}", body="x", segment="club:all", created_by=organiser)
    assert (queries("/manage/outbox/suppressions/"), queries("/manage/announcements/")) == few
