"""Closing an account: the person is erased, the accounts keep their numbers."""

import csv
import datetime
import io
import re
import time

import pytest
import responses
import time_machine
from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from audit.models import Entry
from events import rsvp as seats
from events.models import RSVP, CalendarFeed
from members import dues, erasure
from members.models import Member, MemberNote, Payment, PaymentPromise
from members.privacy import PrivacyRefused
from notifications import sending
from notifications.models import Delivery, Preference, UnsubscribeLink
from notifications.outbox import queue
from notifications.preferences import save_preferences, unsubscribe_link
from tests.factories import EventFactory, MemberFactory, PaymentFactory, PlanFactory, RSVPFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "https://api.stripe.com/v1"
TODAY = timezone.localdate()


def _ann_with_a_history(member, plan):
    """Ann: paid twice, on auto-renew by card, answered events, has notes, choices and emails."""
    member.address_line1, member.city, member.postal_code, member.phone = (
        "3 Mill Lane",
        "Bristol",
        "BS1 4DJ",
        "0117 4960",
    )
    member.directory_consent = True
    member.stripe_customer_id, member.stripe_subscription_id, member.auto_renew = "cus_test_Ann", "sub_test_Ann", True
    member.save()
    dues.record_payment(member=member, plan=plan, amount_cents=6000, method="cheque", received_on=TODAY, by=None)
    PaymentFactory(member=member, amount_cents=4500, method=Payment.Method.CARD, received_on=TODAY)
    EmailAddress.objects.create(user=member.user, email=member.email, verified=True, primary=True)
    MemberNote.objects.create(member=member, text="Ann rang about her cheque")
    PaymentPromise.objects.create(member=member, plan=plan, amount_cents=6000, currency="USD", method="cheque")
    save_preferences(email=member.email, choices={"newsletters": False})
    unsubscribe_link(email=member.email, category="reminders")
    CalendarFeed.objects.create(user=member.user)
    full = EventFactory(capacity=1, title="Small seminar")
    seats.respond(rsvp_id=RSVPFactory(event=full, email=member.email, user=member.user).pk, answer="yes")
    waiting = RSVPFactory(event=full, email="carl@example.org", name="Carl")
    seats.respond(rsvp_id=waiting.pk, answer="yes")
    past = EventFactory(
        starts_at=timezone.now() - datetime.timedelta(days=40), ends_at=timezone.now() - datetime.timedelta(days=40)
    )
    RSVP.objects.create(
        event=past, email=member.email, user=member.user, name="Ann", status="yes", checked_in_at=past.starts_at
    )
    member.refresh_from_db()
    return full, waiting


def _payments_report(client) -> tuple[int, list]:
    rows = list(
        csv.reader(io.StringIO(b"".join(client.get("/manage/payments/?format=csv").streaming_content).decode()))
    )
    header, body = rows[0], rows[1:]
    amount = header.index("Amount")
    total = sum(round(float(row[amount]) * 100) for row in body)
    return total, sorted((row[0], row[1], row[amount]) for row in body)


def test_erasure_takes_the_person_out_and_keeps_the_accounts(client, member, plan, treasurer, smtp_server):
    full, waiting = _ann_with_a_history(member, plan)
    for delivery in Delivery.objects.filter(to=member.email, status="queued")[:2]:
        sending.send(delivery.pk)
    queue(key="later:ann", kind="receipt", to=member.email, facts={"payment": 0})
    client.force_login(treasurer)
    total_before, rows_before = _payments_report(client)
    number = member.member_number

    erasure.erase_member(member=member, by=member.user)

    member.refresh_from_db()
    user = member.user
    # What is gone.
    assert (member.first_name, member.last_name, member.address_line1, member.city, member.postal_code) == ("",) * 5
    assert member.phone == "" and not member.directory_consent and member.erased_at is not None
    assert user.email == f"erased-{member.pk}@erased.invalid"
    assert not user.has_usable_password() and not user.is_active
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not MemberNote.objects.exists()
    assert PaymentPromise.objects.get().status == PaymentPromise.Status.WITHDRAWN
    assert not CalendarFeed.objects.exists()
    assert (member.stripe_customer_id, member.stripe_subscription_id, member.auto_renew) == (None, "", False)
    assert not RSVP.objects.filter(email="ann@example.org").exists()
    assert not RSVP.objects.filter(user=user).exists()
    assert not RSVP.objects.filter(name="Ann").exists()
    assert not Preference.objects.filter(email="ann@example.org").exists()
    assert not UnsubscribeLink.objects.filter(email="ann@example.org").exists()
    assert not Delivery.objects.filter(to="ann@example.org").exists()
    kept = Delivery.objects.filter(to=user.email)
    assert kept.count() >= 3 and not kept.exclude(body_text="", body_html="", subject="").exists()
    assert kept.get(key="later:ann").status == "suppressed"
    # Her seat went to the next in line; her answers stay counted, anonymised.
    waiting.refresh_from_db()
    assert waiting.status == "yes"
    full.refresh_from_db()
    assert full.seats_taken == 1
    assert RSVP.objects.filter(email__endswith="@erased.invalid", checked_in_at__isnull=False).count() == 1
    # What stays: the payments, their amounts, dates and receipt numbers, under "Former member N".
    assert member.name == f"Former member {number}"
    assert _payments_report(client) == (total_before, rows_before)
    assert total_before == 10500
    page = client.get("/manage/payments/").content.decode()
    assert f"Former member {number}" in page and "Ann" not in page
    receipt = client.get(f"/manage/payments/{Payment.objects.first().pk}/receipt/").content.decode()
    assert f"Former member {number}" in receipt and "Mill Lane" not in receipt
    # The audit row says what changed, never what it was.
    entry = Entry.objects.get(action="member.erased")
    assert entry.changes["postal_code"] == ["(changed)", "(changed)"]
    assert entry.changes["email"] == ["(changed)", "(changed)"]
    assert "Ann" not in str(entry.changes) + entry.target_label + entry.by_label
    assert "ann@example.org" not in entry.by_label and "BS1" not in str(entry.changes)


def test_a_closed_account_cannot_be_closed_twice_nor_a_superuser_closed(member, treasurer):
    erasure.erase_member(member=member, by=treasurer, reason="Asked by letter")
    with pytest.raises(PrivacyRefused):
        erasure.erase_member(member=Member.objects.get(pk=member.pk), by=treasurer, reason="Again")
    boss = UserFactory(is_superuser=True).member
    with pytest.raises(PrivacyRefused):
        erasure.erase_member(member=boss, by=treasurer, reason="Asked")
    assert Entry.objects.filter(action="member.erased").count() == 1


def test_the_customer_is_deleted_at_stripe_after_its_subscription_is_cancelled(stripe_keys):
    with responses.RequestsMock() as stripe_api:
        stripe_api.delete(f"{API}/subscriptions/sub_test_Ann", json={"id": "sub_test_Ann", "object": "subscription"})
        stripe_api.delete(f"{API}/customers/cus_test_Ann", json={"id": "cus_test_Ann", "deleted": True})
        erasure.forget_at_stripe(customer_id="cus_test_Ann", subscription_id="sub_test_Ann")
        assert [call.request.url for call in stripe_api.calls] == [
            f"{API}/subscriptions/sub_test_Ann",
            f"{API}/customers/cus_test_Ann",
        ]
        assert stripe_api.calls[1].request.headers["Authorization"] == "Bearer sk_test_51Societas"


def test_a_customer_stripe_no_longer_has_counts_as_deleted(stripe_keys):
    missing = {"error": {"code": "resource_missing", "message": "No such customer", "type": "invalid_request_error"}}
    with responses.RequestsMock() as stripe_api:
        stripe_api.delete(f"{API}/customers/cus_test_Gone", status=404, json=missing)
        erasure.forget_at_stripe(customer_id="cus_test_Gone", subscription_id="")
        assert len(stripe_api.calls) == 1


def _closure_link(text: str) -> str:
    return re.search(r"http://testserver(/membership/close/[^/\s]+/)", text).group(1)


@pytest.mark.django_db(transaction=True)
def test_closing_from_the_membership_page_end_to_end(client, celery_worker, smtp_server, stripe_keys, settings):
    member = MemberFactory(user__email="dora@example.org", first_name="Dora", last_name="Quill")
    with transaction.atomic():
        dues.record_payment(
            member=member, plan=PlanFactory(), amount_cents=6000, method="cash", received_on=TODAY, by=None
        )
    Member.objects.filter(pk=member.pk).update(
        stripe_customer_id="cus_test_Dora", stripe_subscription_id="sub_test_Dora"
    )
    smtp_server.wait_for(2)
    other_browser = client.__class__()
    other_browser.force_login(member.user)
    client.force_login(member.user)

    assert "We have emailed you a link" in client.post("/membership/close/", follow=True).content.decode()
    [mail] = [m for m in smtp_server.wait_for(3) if "Confirm closing" in m["Subject"]]
    assert mail["To"] == "dora@example.org"
    link = _closure_link(mail.get_body(("plain",)).get_content())
    page = client.get(link)
    assert page.status_code == 200 and b"Close my account" in page.content
    assert not Member.objects.get(pk=member.pk).is_erased  # opening the link changes nothing

    with responses.RequestsMock(assert_all_requests_are_fired=False) as stripe_api:
        stripe_api.delete(f"{API}/subscriptions/sub_test_Dora", json={"id": "sub_test_Dora", "object": "subscription"})
        stripe_api.delete(f"{API}/customers/cus_test_Dora", json={"id": "cus_test_Dora", "deleted": True})
        response = client.post(link)
        deadline = time.monotonic() + 20
        while len(stripe_api.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [call.request.url.rsplit("/", 2)[-2:] for call in stripe_api.calls] == [
            ["subscriptions", "sub_test_Dora"],
            ["customers", "cus_test_Dora"],
        ]

    assert response.status_code == 302 and response["Location"] == "/"
    member.refresh_from_db()
    assert member.is_erased and member.name == f"Former member {member.member_number}"
    # Every session of the account has ended, in this browser and the other.
    assert client.get("/membership/")["Location"].startswith("/accounts/login/")
    assert other_browser.get("/membership/")["Location"].startswith("/accounts/login/")
    # The link does nothing any more.
    assert client.get(link).status_code == 400
    entry = Entry.objects.get(action="member.erased")
    assert entry.by_id == member.user_id and "Dora" not in entry.by_label and "dora@" not in entry.by_label


def test_the_closure_link_works_only_for_its_member_signed_in(client, member, settings):
    url = erasure.closure_url(member).removeprefix("http://testserver")
    assert client.get(url)["Location"].startswith("/accounts/login/")
    assert client.post(url)["Location"].startswith("/accounts/login/")
    client.force_login(MemberFactory().user)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not Member.objects.get(pk=member.pk).is_erased


def test_the_closure_link_expires(client, member, settings):
    settings.ACCOUNT_CLOSURE_LINK_HOURS = 48
    url = erasure.closure_url(member).removeprefix("http://testserver")
    client.force_login(member.user)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=47)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=49)):
        response = client.post(url)
        assert response.status_code == 400 and b"expired" in response.content
    assert not Member.objects.get(pk=member.pk).is_erased


def test_the_closure_link_dies_when_the_address_changes(client, member):
    url = erasure.closure_url(member).removeprefix("http://testserver")
    member.user.email = "ann.new@example.org"
    member.user.save()
    client.force_login(member.user)
    assert client.post(url).status_code == 400
    assert not Member.objects.get(pk=member.pk).is_erased


def test_a_get_of_the_closure_request_sends_nothing(client, member):
    client.force_login(member.user)
    assert client.get("/membership/close/").status_code == 405
    assert not Delivery.objects.filter(kind="account-closure-confirm").exists()


# A treasurer closes an account on request.


def test_a_treasurer_closes_an_account_with_a_reason(client, member, plan, treasurer):
    dues.record_payment(member=member, plan=plan, amount_cents=6000, method="cash", received_on=TODAY, by=None)
    client.force_login(treasurer)
    page = client.get(f"/manage/members/{member.pk}/").content.decode()
    assert f'action="/manage/members/{member.pk}/erase/"' in page

    response = client.post(
        f"/manage/members/{member.pk}/erase/", {"reason": "Asked by letter of 3 May", "confirm": "on"}, follow=True
    )

    member.refresh_from_db()
    assert member.is_erased
    assert "the payments stay" in response.content.decode()
    assert f"Former member {member.member_number}" in response.content.decode()
    entry = Entry.objects.get(action="member.erased")
    assert entry.by == treasurer and entry.reason == "Asked by letter of 3 May"
    assert entry.target_label == f"Member {member.member_number}"


@pytest.mark.parametrize("data", [{"reason": "", "confirm": "on"}, {"reason": "Asked by letter"}])
def test_staff_erasure_without_a_reason_or_the_tick_changes_nothing(client, member, treasurer, data):
    client.force_login(treasurer)
    response = client.post(f"/manage/members/{member.pk}/erase/", data, follow=True)
    assert "nothing was changed" in response.content.decode()
    assert not Member.objects.get(pk=member.pk).is_erased
    assert not Entry.objects.exists()


def test_only_treasurers_close_other_peoples_accounts(client, member, organiser):
    url = f"/manage/members/{member.pk}/erase/"
    client.force_login(organiser)
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    client.force_login(MemberFactory().user)
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    assert not Member.objects.get(pk=member.pk).is_erased


def test_a_get_of_the_staff_erasure_changes_nothing(client, member, treasurer):
    client.force_login(treasurer)
    assert client.get(f"/manage/members/{member.pk}/erase/").status_code == 405
    assert not Member.objects.get(pk=member.pk).is_erased


def test_no_email_is_ever_queued_to_an_erased_address(member, treasurer):
    erasure.erase_member(member=member, by=treasurer, reason="Asked by letter")
    address = Member.objects.get(pk=member.pk).user.email
    queue(key="after-erasure", kind="receipt", to=address)
    row = Delivery.objects.get(key="after-erasure")
    assert row.status == "suppressed" and "erased" in row.last_error


def test_stripe_events_about_the_customer_lose_their_bodies(member, treasurer):
    from members.models import StripeEvent

    body = {"data": {"object": {"customer": "cus_test_Ann", "customer_details": {"email": "ann@example.org"}}}}
    other = {"data": {"object": {"customer": "cus_test_Bob", "customer_details": {"email": "bob@example.org"}}}}
    made = {"type": "checkout.session.completed", "created": timezone.now(), "processed_at": timezone.now()}
    StripeEvent.objects.create(event_id="evt_ann", payload=body, **made)
    StripeEvent.objects.create(event_id="evt_bob", payload=other, **made)
    Member.objects.filter(pk=member.pk).update(stripe_customer_id="cus_test_Ann")

    erasure.erase_member(member=Member.objects.get(pk=member.pk), by=treasurer, reason="Asked by letter")

    assert StripeEvent.objects.get(event_id="evt_ann").payload == {}
    assert StripeEvent.objects.get(event_id="evt_bob").payload == other


def test_a_pasted_invitation_list_loses_the_address(member, treasurer):
    from events.models import Invitation

    event = EventFactory()
    invitation = Invitation.objects.create(
        event=event, segment="emails", emails=[["ann@example.org", "Ann"], ["bob@example.org", "Bob"]]
    )
    erasure.erase_member(member=member, by=treasurer, reason="Asked by letter")
    invitation.refresh_from_db()
    assert invitation.emails == [[f"invitee-{member.user_id}@erased.invalid", ""], ["bob@example.org", "Bob"]]


def test_links_to_close_an_account_or_download_are_kept_out_of_logs():
    from config.log_redaction import redact

    assert redact('"GET /membership/close/eyJtIjo0fQ:1x:abc/ HTTP/1.1"') == '"GET /membership/close/[token]/ HTTP/1.1"'
    assert redact("GET /membership/data/0f8b2c1e-4a5b/") == "GET /membership/data/[token]/"
    assert redact("POST /membership/close/") == "POST /membership/close/"


def test_outbox_keys_that_held_the_address_lose_it(member, treasurer):
    queue(key="announcement:7:ann@example.org", kind="announcement", to="ann@example.org", category="newsletters")
    erasure.erase_member(member=member, by=treasurer, reason="Asked by letter")
    assert not Delivery.objects.filter(key__contains="ann@example.org").exists()
    assert Delivery.objects.get(kind="announcement").key == f"announcement:7:erased-{member.pk}@erased.invalid"
