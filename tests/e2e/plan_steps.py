"""Steps the plan journeys share: a newcomer signing up from the join page, paying on the
local test checkout, signing in by a code from an email, and the clock of the server under
test moved on (the live server and the worker run in this process, so time-machine moves
their clock too; the browser keeps its own, which only cookies' Max-Age reads)."""

import datetime
import io
import re
import time
from contextlib import contextmanager

import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD

CODE = re.compile(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.M)


def sign_up(page, site, *, name: str, email: str) -> None:
    """From the sign-up form the join page leads to: create the account, confirm it from the email."""
    page.get_by_label("Full name:").fill(name)
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Create your account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(site.link_in(site.mail_to(email, "Confirm"), "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()


def pay_on_local_checkout(page, check_page, *, amount: str, shot: str) -> None:
    """On the local test checkout page: pay, and wait for the webhook's payment to be applied."""
    page.wait_for_url(re.compile(r"/join/test-checkout/"))
    check_page(page, shot)
    page.get_by_role("button", name=f"Pay {amount}").click()
    page.wait_for_url(re.compile(r"/join/done/"))
    expect(page.locator("#checkout-status")).to_have_attribute("data-confirmed", "true", timeout=20_000)


def sign_in_by_code(page, site, link: str, email: str) -> None:
    """Follow a sign-in link from an email, ask for a code, type in the one that arrives."""
    page.goto(link)
    page.get_by_label("Email").fill(email)
    before = len(_codes_to(site, email))
    page.get_by_role("button", name="Email me a code").click()
    for _ in range(200):
        codes = _codes_to(site, email)
        if len(codes) > before:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"no sign-in code reached {email}")
    page.get_by_label("Code").fill(CODE.search(codes[-1].get_body(("plain",)).get_content()).group(1))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/membership/")


def _codes_to(site, email: str) -> list:
    return [m for m in site.smtp.messages if email in str(m["To"]) and "sign-in code" in str(m["Subject"])]


@contextmanager
def server_clock():
    """The server's clock, from now, ticking; `clock.move_to(day)` puts it at noon on that day."""
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield Clock(traveller)


class Clock:
    def __init__(self, traveller):
        self.traveller = traveller

    def move_to(self, day: datetime.date) -> None:
        self.traveller.move_to(datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC))


def send_due_reminders() -> None:
    """One pass of the reminder dispatcher, as beat runs it; the worker sends what it queues."""
    call_command("send_due_reminders", stdout=io.StringIO())
