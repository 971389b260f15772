"""Renewing after a term has ended: a member who lapsed months ago gets the win-back
reminder, follows its link, finds their own plan ready with one button, pays on the local
test checkout and is greeted as renewed; a lapsed member who follows "Renew" from a
members-only event pays and comes back to that event, where they can now answer; a
treasurer sets the win-back reminders on /manage/reminders/."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from members import reminder_schedule
from members.models import Member, Standing
from tests.e2e.conftest import sign_in
from tests.e2e.plan_steps import pay_on_local_checkout, send_due_reminders
from tests.factories import EventFactory, PlanFactory, TermFactory


def _lapsed(person, plan, email: str, *, ended_days_ago: int) -> Member:
    member = person(email)
    start = timezone.localdate() - datetime.timedelta(days=ended_days_ago + 364)
    TermFactory(member=member, plan=plan, start=start, payment__plan=plan, payment__amount_cents=plan.amount_cents)
    assert member.standing() == Standing.LAPSED
    return member


def test_a_lapsed_member_is_won_back_by_the_reminder_and_greeted_as_renewed(site, page, person, check_page):
    plan = PlanFactory(slug="regular", name="Regular member", amount_cents=6000, display_order=0)
    PlanFactory(slug="student", name="Student", amount_cents=2000, display_order=1)
    # Lapsed 150 days ago, long before a win-back reminder could have been sent.
    member = _lapsed(person, plan, "lena@example.org", ended_days_ago=150)

    send_due_reminders()
    reminder = site.mail_to("lena@example.org", "lapsed")
    page.goto(site.link_in(reminder, "/renew/"))
    expect(page.get_by_role("heading", name="Renew your membership")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Your plan: Regular member, $60.00.")
    expect(page.locator("#plan-student")).to_have_count(0)
    expect(page.get_by_role("button", name="Pay by card")).to_have_count(1)
    expect(page.get_by_role("link", name="Change plan")).to_be_visible()
    check_page(page, "renew-from-win-back")
    page.get_by_role("button", name="Pay by card").click()
    pay_on_local_checkout(page, check_page, amount="$60.00", shot="local-checkout")

    member.refresh_from_db()
    assert member.standing() == Standing.ACTIVE
    status = page.locator("#checkout-status")
    expect(status).to_contain_text("Your membership is renewed to")
    expect(status).not_to_contain_text("Welcome")
    check_page(page, "renewed")

    send_due_reminders()
    lapsed = [m for m in site.smtp.messages if "lena@" in str(m["To"]) and "lapsed" in str(m["Subject"])]
    assert len(lapsed) == 1, "the win-back reminder goes once"


def test_a_lapsed_member_renews_from_a_members_only_event_and_returns_to_it(site, page, person, check_page):
    plan = PlanFactory(slug="regular", name="Regular member", amount_cents=6000, display_order=0)
    PlanFactory(slug="student", name="Student", amount_cents=2000, display_order=1)
    _lapsed(person, plan, "omar@example.org", ended_days_ago=90)
    event = EventFactory(visibility="members", title="Members' annual lecture", slug="annual-lecture")

    sign_in(page, site, "omar@example.org")
    expect(page.get_by_role("link", name="Membership", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Join", exact=True)).to_have_count(0)
    page.goto(f"{site.url}{event.get_absolute_url()}")
    check_page(page, "event-members-only-lapsed")
    page.get_by_role("link", name="Renew your membership").click()
    page.wait_for_url(re.compile(r"/join/\?return_path="))
    expect(page.get_by_role("button", name="Pay by card")).to_have_count(1)
    expect(page.locator("#plan-regular")).to_be_visible()
    check_page(page, "renew-from-event")
    page.get_by_role("button", name="Pay by card").click()
    pay_on_local_checkout(page, check_page, amount="$60.00", shot="local-checkout")
    expect(page.locator("#checkout-status")).to_contain_text("Your membership is renewed to")
    check_page(page, "renewed")

    page.get_by_role("link", name="Back to where you were").click()
    page.wait_for_url(f"{site.url}{event.get_absolute_url()}")
    expect(page.locator("button[name=answer][value=yes]")).to_be_visible()
    check_page(page, "event-after-renewing")


def test_a_treasurer_sets_the_win_back_reminders_on_manage(site, page, person, check_page):
    person("tess@example.org", role="Treasurer")
    sign_in(page, site, "tess@example.org")
    page.goto(f"{site.url}/manage/")
    page.get_by_role("link", name="Reminders", exact=True).click()
    expect(page.get_by_role("heading", name="Reminders", exact=True)).to_be_visible()
    check_page(page, "reminders")
    after = page.get_by_label("Days after the grace period ends (win-back)")
    expect(after).to_have_value("14, 60")
    after.fill("14, a month")
    page.get_by_role("button", name="Save dues reminders").click()
    expect(page.locator("main")).to_contain_text("is not a whole number of days")
    check_page(page, "reminders-refused")
    page.get_by_label("Days after the grace period ends (win-back)").fill("14, 30, 90")
    page.get_by_role("button", name="Save dues reminders").click()
    expect(page.locator(".messages")).to_contain_text("Dues reminders are saved.")
    expect(page.get_by_label("Days after the grace period ends (win-back)")).to_have_value("14, 30, 90")
    assert reminder_schedule.current().days_after_grace == [14, 30, 90]
