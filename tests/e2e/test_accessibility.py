"""Every page of the demo society, as each kind of person sees it, checked by axe-core:
no serious or critical violations. Screenshots land in var/e2e/ beside the journeys'."""

import pytest
from django.core.management import call_command

from events.models import RSVP, Event
from members.models import Member, Payment, User
from notifications.access import visible_deliveries
from notifications.models import Category, UnsubscribeLink

DEMO_PASSWORD = "societas-demo"


def _sign_in(page, site, email):
    page.context.clear_cookies()
    page.goto(f"{site.url}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/membership/")


@pytest.fixture
def demo(site):
    call_command("seed_demo")
    return site


def _visit_all(page, site, check_page, who: str, paths: list[str]):
    for path in paths:
        response = page.goto(site.url + path)
        assert response.status < 400, f"{who}: {path} answered {response.status}"
        check_page(page, f"{who}-{path.strip('/').replace('/', '-') or 'front'}")


def test_public_pages(demo, page, check_page):
    event_pages = [f"/events/{slug}/" for slug in Event.objects.values_list("slug", flat=True)]
    link = UnsubscribeLink.objects.get_or_create(email="member@example.org", category=Category.REMINDERS)[0]
    rsvp = RSVP.objects.filter(status=RSVP.Status.YES, event__status="published").first()
    paths = ["/", "/privacy/", "/events/", *event_pages, "/join/", "/accounts/signup/", "/accounts/login/",
             "/accounts/login/code/", "/accounts/password/reset/", f"/u/{link.token}/",
             f"/u/{link.token}/preferences/", f"/r/{rsvp.token}/", f"/r/{rsvp.token}/?answer=no"]  # fmt: skip
    _visit_all(page, demo, check_page, "visitor", paths)


def test_member_pages(demo, page, check_page):
    member = Member.objects.get(user__email="member@example.org")
    receipt = Payment.objects.filter(member=member).first().receipt_number
    forum = Event.objects.get(visibility=Event.Visibility.MEMBERS)
    _sign_in(page, demo, "member@example.org")
    paths = ["/membership/", f"/membership/receipts/{receipt}/", "/preferences/", f"/events/{forum.slug}/",
             "/directory/", "/directory/?name=member", "/accounts/email/", "/accounts/password/change/"]  # fmt: skip
    _visit_all(page, demo, check_page, "member", paths)
    _sign_in(page, demo, "lapsed@example.org")
    _visit_all(page, demo, check_page, "lapsed", ["/membership/", f"/events/{forum.slug}/", "/join/"])


def test_organiser_pages(demo, page, check_page):
    event = Event.objects.filter(status=Event.Status.PUBLISHED).order_by("starts_at").last()
    base = f"/manage/events/{event.slug}/"
    _sign_in(page, demo, "organiser@example.org")
    _visit_all(page, demo, check_page, "organiser",
               ["/manage/", "/manage/events/", "/manage/events/new/", base, f"{base}edit/", f"{base}rsvps/",
                f"{base}check-in/", f"{base}reschedule/", f"{base}cancel/", "/manage/events/check-in/"])  # fmt: skip


def test_treasurer_and_staff_pages(demo, page, check_page):
    member = Member.objects.get(user__email="lapsed@example.org")
    payment = Payment.objects.first()
    delivery = visible_deliveries(User.objects.get(email="treasurer@example.org")).first()
    _sign_in(page, demo, "treasurer@example.org")
    _visit_all(page, demo, check_page, "treasurer",
               ["/manage/", "/manage/members/", f"/manage/members/{member.pk}/",
                f"/manage/members/{member.pk}/payments/new/",
                "/manage/payments/", f"/manage/payments/{payment.pk}/", "/manage/dues/", "/manage/dues/unapplied/",
                "/manage/dues/applications/", "/manage/members/import/",
                "/manage/plans/", "/manage/plans/new/", "/manage/outbox/", f"/manage/outbox/{delivery.pk}/",
                "/manage/outbox/suppressions/", "/manage/announcements/", "/manage/announcements/new/",
                "/manage/audit/",
                "/manage/members/new/", f"/manage/members/{member.pk}/edit/", f"/manage/members/{member.pk}/close/",
                f"/manage/members/{member.pk}/merge/?other=member@example.org"])  # fmt: skip


def test_administrator_pages(demo, page, check_page):
    _sign_in(page, demo, "admin@example.org")
    _visit_all(page, demo, check_page, "administrator", ["/manage/roles/"])
