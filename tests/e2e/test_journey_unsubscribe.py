"""Journey 5, with the keyboard only: a member unsubscribes from reminders with the email's
link; the next reminder pass sends them none (and still reminds everyone else)."""

import datetime

import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Delivery
from tests.e2e.conftest import tab_to


def _renewal_reminders_to(site, email: str) -> list:
    return [m for m in site.smtp.messages if email in str(m["To"]) and "membership ends" in str(m["Subject"])]


def test_member_unsubscribes_from_reminders_with_the_emails_link(site, page, check_page, person):
    # Both terms end in 29 days: the 30-day renewal reminder is due now.
    person("una@example.org", first_name="Una", term_days_ago=335)
    person("vic@example.org", first_name="Vic", term_days_ago=335)
    call_command("send_due_reminders")
    reminder = site.mail_to("una@example.org", "membership ends")
    site.mail_to("vic@example.org", "membership ends")
    assert "List-Unsubscribe=One-Click" in str(reminder["List-Unsubscribe-Post"])

    page.goto(site.link_in(reminder, "/u/"))
    check_page(page, "unsubscribe")
    expect(page.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    tab_to(page, "Unsubscribe")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("unsubscribed", ignore_case=True)
    check_page(page, "unsubscribed")

    # Three weeks later the 7-day reminder falls due: Vic gets it, Una gets nothing.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=23)):
        call_command("send_due_reminders")
        site.mail_to("vic@example.org", "ends in 6 days")
    assert len(_renewal_reminders_to(site, "una@example.org")) == 1
    held_back = Delivery.objects.filter(to="una@example.org", kind="renewal-reminder").exclude(status="sent")
    assert [d.status for d in held_back] in ([], ["suppressed"])
