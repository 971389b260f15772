"""The nightly retention pass: visitors' answers, email texts, expired downloads and the
payments of erased members are forgotten when their time is up, and not a day before."""

import datetime
import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from events import retention
from events.models import RSVP
from members import data_export, erasure
from members.models import DataExport, Payment
from members.retention import apply_retention, months_before, years_before
from notifications.models import Delivery, Preference
from notifications.outbox import queue, queue_message
from notifications.preferences import save_preferences
from tests.factories import EventFactory, MemberFactory, PaymentFactory, RSVPFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 3, 17, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.RSVP_RETENTION_MONTHS = 12
    settings.OUTBOX_BODY_RETENTION_DAYS = 90
    settings.PAYMENT_RETENTION_YEARS = 7


def _ended(at: datetime.datetime):
    return EventFactory(starts_at=at - datetime.timedelta(hours=2), ends_at=at)


def test_months_and_years_before_keep_to_the_calendar():
    assert months_before(datetime.datetime(2026, 3, 31, 9, tzinfo=datetime.UTC), 1) == datetime.datetime(
        2026, 2, 28, 9, tzinfo=datetime.UTC
    )
    assert months_before(NOW, 12) == NOW.replace(year=2025)
    assert months_before(NOW, 18) == NOW.replace(year=2024, month=12)
    assert years_before(datetime.date(2028, 2, 29), 7) == datetime.date(2021, 2, 28)


def test_visitors_answers_are_anonymised_a_set_number_of_months_after_their_event():
    limit = months_before(NOW, 12)
    old = RSVPFactory(event=_ended(limit - datetime.timedelta(minutes=1)), email="vic@example.org", name="Vic")
    recent = RSVPFactory(event=_ended(limit + datetime.timedelta(minutes=1)), email="val@example.org", name="Val")
    member = MemberFactory()
    members_own = RSVPFactory(event=old.event, email=member.email, user=member.user)
    RSVP.objects.filter(pk=old.pk).update(status="yes", checked_in_at=old.event.starts_at)
    token = old.token

    assert retention.anonymise_visitors(now=NOW) == 1

    old.refresh_from_db()
    assert (old.email, old.name, old.user) == (f"rsvp-{old.pk}@erased.invalid", "", None)
    assert old.token != token and old.status == "yes" and old.checked_in_at is not None
    recent.refresh_from_db()
    assert (recent.email, recent.name) == ("val@example.org", "Val")
    members_own.refresh_from_db()
    assert members_own.email == member.email
    assert retention.anonymise_visitors(now=NOW) == 0  # a second pass finds nothing new


def test_a_visitor_with_nothing_left_is_forgotten_by_the_outbox_too():
    limit = months_before(NOW, 12)
    gone = RSVPFactory(event=_ended(limit - datetime.timedelta(days=3)), email="vic@example.org")
    RSVPFactory(event=gone.event, email="val@example.org")
    RSVPFactory(event=_ended(NOW - datetime.timedelta(days=3)), email="val@example.org")
    for email in ("vic@example.org", "val@example.org"):
        queue(key=f"old:{email}", kind="rsvp-link", to=email)
        save_preferences(email=email, choices={"reminders": False})

    retention.anonymise_visitors(now=NOW)

    assert not Delivery.objects.filter(to="vic@example.org").exists()
    assert Delivery.objects.get(key=f"old:visitor-{gone.pk}@erased.invalid").to == f"visitor-{gone.pk}@erased.invalid"
    assert not Preference.objects.filter(email="vic@example.org").exists()
    # Val answers a recent event too: her address is still in use.
    assert Delivery.objects.get(key="old:val@example.org").to == "val@example.org"
    assert Preference.objects.filter(email="val@example.org").exists()


def _delivery(key: str, *, days_ago: float, status: str = "sent", prebuilt: bool = False) -> Delivery:
    if prebuilt:
        queue_message(key=key, to="ann@example.org", kind="account-login-code", subject="Code", text="Your code: 123")
    else:
        queue(key=key, kind="receipt", to="ann@example.org")
    Delivery.objects.filter(key=key).update(
        status=status,
        subject="Receipt 2026-00001",
        body_text="Dear Ann, http://testserver/renew/abc/",
        body_html="<p>Dear Ann</p>",
        created_at=NOW - datetime.timedelta(days=days_ago),
    )
    return Delivery.objects.get(key=key)


def test_email_texts_go_a_set_number_of_days_after_they_were_queued_and_the_log_stays():
    old = _delivery("old", days_ago=90.01)
    young = _delivery("young", days_ago=89.99)
    waiting = _delivery("waiting", days_ago=200, status="queued")
    uncertain = _delivery("uncertain", days_ago=200, status="uncertain")
    code = _delivery("code", days_ago=200, status="failed", prebuilt=True)

    apply_retention(now=NOW)

    old.refresh_from_db()
    assert (old.body_text, old.body_html, old.subject, old.status) == ("", "", "Receipt 2026-00001", "sent")
    for kept in (young, waiting, uncertain, code):
        kept.refresh_from_db()
        assert kept.body_text.startswith("Dear Ann") or kept.body_text == "Your code: 123"


def test_erased_members_payments_go_after_the_retention_years_and_no_others():
    today = timezone.localdate(NOW)
    limit = years_before(today, 7)
    erased, kept = MemberFactory(), MemberFactory()
    too_old = PaymentFactory(member=erased, received_on=limit - datetime.timedelta(days=1))
    in_time = PaymentFactory(member=erased, received_on=limit)
    current_members = PaymentFactory(member=kept, received_on=limit - datetime.timedelta(days=400))
    erasure.erase_member(member=erased, by=erased.user)

    assert apply_retention(now=NOW)["erased members' payments"] == 1

    assert set(Payment.objects.values_list("pk", flat=True)) == {in_time.pk, current_members.pk}
    assert not Payment.objects.filter(pk=too_old.pk).exists()


def test_expired_downloads_are_deleted_and_the_others_kept():
    member = MemberFactory()
    expired = data_export.request_export(member=member, by=member.user, now=NOW - datetime.timedelta(days=8))
    data_export.build(export_id=expired.pk)
    fresh = data_export.request_export(member=member, by=member.user, now=NOW - datetime.timedelta(days=6))

    assert apply_retention(now=NOW)["expired downloads"] == 1

    assert list(DataExport.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_beat_runs_the_pass_each_night():
    entry = django_settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "members.tasks.apply_retention"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {17}


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_runs_on_a_real_worker(celery_worker):
    from members.tasks import apply_retention as task

    rsvp = RSVPFactory(event=_ended(timezone.now() - datetime.timedelta(days=400)), email="vic@example.org")
    task.delay()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and RSVP.objects.get(pk=rsvp.pk).email == "vic@example.org":
        time.sleep(0.05)
    assert RSVP.objects.get(pk=rsvp.pk).email == f"rsvp-{rsvp.pk}@erased.invalid"


def test_pasted_invitation_lists_of_old_events_give_way_to_stand_ins():
    from events.models import Invitation

    limit = months_before(NOW, 12)
    old = Invitation.objects.create(
        event=_ended(limit - datetime.timedelta(days=1)), segment="emails", emails=[["vic@example.org", "Vic"]]
    )
    recent = Invitation.objects.create(
        event=_ended(limit + datetime.timedelta(days=1)), segment="emails", emails=[["val@example.org", "Val"]]
    )
    retention.anonymise_visitors(now=NOW)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.emails == [[f"invitee-{old.pk}-0@erased.invalid", ""]]
    assert recent.emails == [["val@example.org", "Val"]]
