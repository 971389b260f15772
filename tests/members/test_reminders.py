"""Renewal reminders and the auto-renew notice: due from the database, queued once,
only the latest when several came due, never stale; and the member segments."""

import datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.utils import timezone

from members import reminders, segments
from members.models import Member, PaymentPromise
from notifications import registry
from notifications.models import Category, Delivery
from tests.factories import MemberFactory, PromiseFactory, TermFactory
from tests.mail import composed, run_fan_outs

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def _ending(days_from_today: int, **kwargs):
    """A member whose yearly term ends `days_from_today` from today (negative: in the past)."""
    end = TODAY + datetime.timedelta(days=days_from_today)
    return TermFactory(start=end - datetime.timedelta(days=364), end=end, **kwargs)


def _pass(source, now) -> int:
    """A dispatcher pass of one source, its fan-out run to the end: how many emails it queued."""
    before = Delivery.objects.count()
    source(now)
    run_fan_outs()
    return Delivery.objects.count() - before


def _renewals(now) -> int:
    return _pass(reminders.queue_renewal_reminders, now)


def _notices(now) -> int:
    return _pass(reminders.queue_auto_renew_notices, now)


def _composed_on(now, row):
    """The email as a worker would write it at `now` (a reminder tells the state when it is sent)."""
    with time_machine.travel(now, tick=False):
        return composed(row)


def _keys() -> set[str]:
    return set(Delivery.objects.filter(kind="renewal-reminder").values_list("key", flat=True))


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (30, "-30d"),
        (29, "-30d"),
        (7, "-7d"),
        (1, "-7d"),
        (0, "0d"),
        (-2, "0d"),
        (-44, "lapsed+14d"),
        (-50, "lapsed+14d"),
        (-52, "lapsed+14d"),
        (-90, "lapsed+60d"),
        (-300, "lapsed+60d"),
        (-395, "lapsed+60d"),
    ],
)
def test_the_reminder_due_on_each_day(days, label):
    term = _ending(days)
    assert _renewals(NOW) == 1
    assert _keys() == {f"renewal:{term.member_id}:{term.pk}:{label}"}


@pytest.mark.parametrize("days", [31, -8, -30, -43, -396, -400])
def test_no_reminder_between_the_offsets_or_when_stale(days):
    _ending(days)
    assert _renewals(NOW) == 0


def test_a_second_pass_queues_nothing():
    _ending(30)
    _ending(7)
    assert _renewals(NOW) == 2
    assert _renewals(NOW) == 0
    assert _renewals(NOW + datetime.timedelta(hours=5)) == 0
    assert Delivery.objects.count() == 2


def test_after_a_pause_only_the_latest_due_reminder_is_sent():
    """Beat was down from 30 days before the end until 5 days before: 'ends in 30 days'
    would be misleading now, so only the 7-day reminder goes."""
    term = _ending(5)
    _renewals(NOW)
    assert _keys() == {f"renewal:{term.member_id}:{term.pk}:-7d"}


def test_each_offset_is_sent_once_as_the_days_pass():
    term = _ending(30)
    sent = 0
    for day in range(0, 80):
        sent += _renewals(NOW + datetime.timedelta(days=day))
    labels = sorted(key.rsplit(":", 1)[1] for key in _keys())
    assert labels == sorted(["-30d", "-7d", "0d", "lapsed+14d"]) and sent == 4
    assert all(key.startswith(f"renewal:{term.member_id}:{term.pk}:") for key in _keys())


def test_a_member_who_lapsed_before_win_back_existed_is_asked_back_once():
    """Grace ended 200 days ago, before any win-back reminder was set: the latest one due
    (60 days after grace) goes once, and nothing more follows for that term."""
    term = _ending(-230)
    assert _renewals(NOW) == 1
    assert _keys() == {f"renewal:{term.member_id}:{term.pk}:lapsed+60d"}
    for day in range(1, 200, 7):
        assert _renewals(NOW + datetime.timedelta(days=day)) == 0


def test_win_back_reminders_come_14_and_60_days_after_grace():
    term = _ending(-9)  # past the reminder on the day, before the first after grace
    sent = sum(_renewals(NOW + datetime.timedelta(days=day)) for day in range(0, 120))
    labels = sorted(key.rsplit(":", 1)[1] for key in _keys())
    assert labels == ["lapsed+14d", "lapsed+60d"] and sent == 2
    assert all(key.startswith(f"renewal:{term.member_id}:{term.pk}:") for key in _keys())


def test_members_who_already_renewed_are_skipped():
    term = _ending(20)
    TermFactory(
        member=term.member, start=term.end + datetime.timedelta(days=1), end=term.end + datetime.timedelta(days=365)
    )
    assert _renewals(NOW) == 0


def test_auto_renew_lifetime_promised_and_inactive_members_are_skipped():
    on_auto_renew = _ending(7).member
    Member.objects.filter(pk=on_auto_renew.pk).update(auto_renew=True)
    lifelong = _ending(7).member
    TermFactory(member=lifelong, start=TODAY - datetime.timedelta(days=800), end=None)
    promised = _ending(7).member
    PromiseFactory(member=promised, status=PaymentPromise.Status.OPEN)
    gone = _ending(7).member
    gone.user.is_active = False
    gone.user.save()
    assert _renewals(NOW) == 0


def test_reminder_says_when_and_carries_a_working_renewal_link(client):
    term = _ending(7, member=MemberFactory(first_name="Ann"))
    _renewals(NOW)
    mail = _composed_on(NOW, Delivery.objects.get())
    assert mail.category == Category.REMINDERS and mail.to == term.member.user.email
    assert mail.subject.endswith("membership ends in 7 days")
    assert "22 June 2026" in mail.body_text
    link = next(word for word in mail.body_text.split() if "/renew/" in word)
    assert link.startswith("http://testserver/renew/")
    with time_machine.travel(NOW, tick=False):  # the day the member reads it
        page = client.get(urlsplit(link).path)
    assert page.status_code == 200 and "Renew your membership" in page.content.decode()


def test_a_reminder_sent_late_says_what_is_true_now():
    _ending(-2)
    _renewals(NOW)
    mail = _composed_on(NOW, Delivery.objects.get())
    assert mail.subject.endswith("membership ended on 13 June")
    assert "You stay in good standing until 13 July 2026." in mail.body_text


def test_lapsed_reminder_says_the_membership_has_lapsed():
    _ending(-44)
    _renewals(NOW)
    assert _composed_on(NOW, Delivery.objects.get()).subject.endswith("membership has lapsed")


def test_offsets_come_from_settings(settings):
    settings.RENEWAL_REMINDER_DAYS_BEFORE_END = [60]
    settings.RENEWAL_REMINDER_DAYS_AFTER_GRACE = []
    term = _ending(60)
    _ending(7)
    assert _renewals(NOW) == 1
    assert _keys() == {f"renewal:{term.member_id}:{term.pk}:-60d"}


def _on_auto_renew(renews_in_days: int) -> Member:
    member = _ending(renews_in_days - 1).member
    Member.objects.filter(pk=member.pk).update(
        auto_renew=True, stripe_subscription_id="sub_test_A", renews_on=TODAY + datetime.timedelta(days=renews_in_days)
    )
    return member


@pytest.mark.parametrize(("days", "queued"), [(8, 0), (7, 1), (3, 1), (1, 1), (0, 0)])
def test_auto_renew_notice_a_week_before_the_charge(days, queued):
    _on_auto_renew(days)
    assert _notices(NOW) == queued


def test_auto_renew_notice_is_queued_once_and_again_next_year():
    member = _on_auto_renew(7)
    assert _notices(NOW) == 1
    assert _notices(NOW) == 0
    mail = _composed_on(NOW, Delivery.objects.get(kind="auto-renew-notice"))
    assert mail.category == Category.REMINDERS and "22 June 2026" in mail.subject
    Member.objects.filter(pk=member.pk).update(renews_on=TODAY + datetime.timedelta(days=365 + 7))
    assert _notices(NOW + datetime.timedelta(days=365)) == 1


def test_members_sources_are_registered_with_notifications():
    assert registry.reminder_sources["members.renewal-reminders"] is reminders.queue_renewal_reminders
    assert registry.reminder_sources["members.auto-renew-notices"] is reminders.queue_auto_renew_notices
    source = registry.segment_sources["members"]
    assert [key for key, _ in source.choices()] == ["good-standing", "lapsed", "everyone"]


def test_segments_hold_the_right_people():
    today = timezone.localdate()
    active = TermFactory(start=today - datetime.timedelta(days=10), end=today + datetime.timedelta(days=355)).member
    grace = TermFactory(start=today - datetime.timedelta(days=380), end=today - datetime.timedelta(days=15)).member
    lapsed = TermFactory(start=today - datetime.timedelta(days=500), end=today - datetime.timedelta(days=135)).member
    pending = MemberFactory()
    for member in (active, grace, lapsed, pending):
        EmailAddress.objects.create(user=member.user, email=member.email, verified=True, primary=True)
    emails = {key: {r.email for r in segments.segment_recipients(key)} for key, _ in segments.segment_choices()}
    assert emails["good-standing"] == {active.email, grace.email}
    assert emails["lapsed"] == {lapsed.email}
    assert emails["everyone"] == {active.email, grace.email, lapsed.email, pending.email}
    recipient = next(r for r in segments.segment_recipients("good-standing") if r.email == active.email)
    assert recipient.user_id == active.user_id and recipient.name == active.name


def test_unknown_segment_is_an_error():
    with pytest.raises(ValueError, match="no member segment"):
        list(segments.segment_recipients("board"))


def test_the_renewal_reminder_wears_the_societys_accent_not_the_default_blue(settings):
    settings.ORG_ACCENT = "#7a1f5c"
    _ending(7)
    _renewals(NOW)
    row = Delivery.objects.get(kind="renewal-reminder")
    email = _composed_on(NOW, row)
    assert "#1f4e79" not in email.body_html.lower()
    assert "background:#7a1f5c" in email.body_html.lower()
