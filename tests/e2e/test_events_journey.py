"""The schedule-and-invite journey in a real browser, against a live server, a real
Celery worker and a real SMTP server:

an organiser creates and publishes a forum and invites the members; a member answers
yes from the email's link and gets the confirmation with the .ics and the QR code;
the forum fills, a yes joins the waitlist, a no promotes it; the member is checked in
at the door.
"""

import datetime
import os
import re
import shutil
import time

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from events.models import RSVP, Event
from tests.events.helpers import make_member, make_organiser

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium_browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own database
    # calls are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        if os.environ.get("CI"):
            pytest.fail("chromium is needed for the browser tests", pytrace=False)
        pytest.skip("chromium is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()
        # Queries made while Playwright runs use their own connection (its greenlet has its
        # own context); close it here, or it outlives the test database.
        connections.close_all()


def _signed_in(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context.new_page()


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _link(smtp_server, to: str, subject: str, answer: str) -> str:
    [message] = _messages(smtp_server, to, subject)
    return re.search(rf"{answer.capitalize()}:\s+(\S+)", _text(message)).group(1)


def _messages(smtp_server, to: str, subject: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in smtp_server.messages if m["To"] == to and subject in m["Subject"]]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {subject!r} email to {to}")


def test_organiser_invites_members_answer_from_email_and_are_checked_in(
    chromium_browser, live_server, celery_worker, smtp_server, settings
):
    browser = chromium_browser
    settings.SITE_URL = live_server.url
    organiser = make_organiser()
    ann, bob, cy = make_member(), make_member(), make_member()
    day = (timezone.localdate() + datetime.timedelta(days=12)).isoformat()

    page = _signed_in(browser, live_server, organiser)
    page.goto(f"{live_server.url}/manage/events/new/")
    page.fill("input[name=title]", "Forum on river restoration")
    page.select_option("select[name=time_zone]", "America/Los_Angeles")
    page.fill("input[name=starts_at]", f"{day}T18:00")
    page.fill("input[name=ends_at]", f"{day}T20:00")
    page.fill("input[name=venue_name]", "Riverside Hall")
    page.fill("input[name=capacity]", "2")
    page.check("input[name=visibility][value=members]")
    page.click("button:has-text('Save as draft')")
    page.click("button:has-text('Publish')")
    assert "Published" in page.inner_text(".messages")
    page.check("input[name=segment][value=good_standing]")
    page.click("button:has-text('Send the invitations')")
    event = Event.objects.get()
    assert event.starts_local.hour == 18 and event.time_zone == "America/Los_Angeles"

    # Ann answers yes from her invitation, without signing in.
    attendee = browser.new_context().new_page()
    attendee.goto(_link(smtp_server, ann.email, "Invitation:", "yes"))
    assert RSVP.objects.get(email=ann.email).status == "invited", "opening the link records nothing"
    attendee.click("button:has-text('Confirm: yes')")
    assert "You're coming" in attendee.inner_text("main")
    assert attendee.locator(".qr-code svg").count() == 1
    [confirmation] = _messages(smtp_server, ann.email, "You're coming")
    types = {part.get_content_type() for part in confirmation.walk() if not part.is_multipart()}
    assert {"text/calendar", "image/png"} <= types

    # Cy takes the last seat, Bob waits, Cy withdraws and Bob is promoted.
    for person, expected in ((cy, "You're coming"), (bob, "number 1 in line")):
        other = browser.new_context().new_page()
        other.goto(_link(smtp_server, person.email, "Invitation:", "yes"))
        other.click("button:has-text('Confirm: yes')")
        assert expected in other.inner_text(".messages")
    leaving = browser.new_context().new_page()
    leaving.goto(_link(smtp_server, cy.email, "Invitation:", "no"))
    leaving.click("button:has-text('Confirm: no')")
    assert _messages(smtp_server, bob.email, "A seat is yours")
    assert RSVP.objects.get(email=bob.email).status == "yes"

    # At the door.
    page.goto(f"{live_server.url}/manage/events/{event.slug}/check-in/")
    page.fill("input[name=q]", ann.email)
    page.click("button:has-text('Search')")
    page.click("button:has-text('Arrived')")
    assert "0 of 2" not in page.inner_text("main") and "1 of 2" in page.inner_text("main")
    assert RSVP.objects.get(email=ann.email).checked_in_at is not None
