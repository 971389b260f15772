"""Journey: an organiser writes to an event's attendees from the event's own page. A test
goes to the organiser alone, marked as a test; a message to the "yes" attendees is
scheduled for later and shown with a Cancel button; an operational message reaches a
"yes" attendee who turned off invitations; the page's progress updates without a
reload; and the messages are in the local mailbox. The public event page is then
seen at both widths: two columns on a wide screen, one on a phone."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from events import rsvp as seats
from members import roles
from notifications.models import FanOut, Preference
from tests.e2e.conftest import sign_in
from tests.factories import EventFactory, RSVPFactory


def _answered(event, email: str, answer: str) -> None:
    seats.respond(rsvp_id=RSVPFactory(event=event, email=email).pk, answer=answer, guests=0)


def _write(page, *, subject: str, body: str, audience: str = "People who said yes"):
    form = page.locator("#messages form.stacked-form")
    form.get_by_label("Send to").select_option(label=audience)
    form.get_by_label("Subject").fill(subject)
    form.locator("textarea[name=body]").fill(body)
    return form


def _in_mailbox(page, site, to: str, subject: str) -> None:
    for _ in range(100):
        page.goto(f"{site.url}/dev/mailbox/?to={to}")
        if page.get_by_role("link", name=subject).count():
            return
        page.wait_for_timeout(200)
    expect(page.get_by_role("link", name=subject)).to_be_visible()


def test_an_organiser_writes_to_the_attendees_from_the_events_page(site, page, check_page, person, settings, tmp_path):
    settings.EMAIL_BACKEND = "notifications.mailbox.MailboxBackend"
    settings.MAILBOX_DIR = str(tmp_path / "mailbox")
    organiser = person("olu@example.org", first_name="Olu", role=roles.ORGANISER, term_days_ago=100)
    event = EventFactory(title="Symposium on river ecology", organisers=[organiser.user],
                         description="Talks on **rivers**, all afternoon.\n\nTea at four.")  # fmt: skip
    _answered(event, "ann@example.org", "yes")
    _answered(event, "bea@example.org", "maybe")
    Preference.objects.create(email="ann@example.org", invitations=False, newsletters=False)

    sign_in(page, site, "olu@example.org")
    page.goto(f"{site.url}/manage/events/{event.slug}/")
    check_page(page, "organiser-event")

    # A test to oneself: only the organiser gets it, marked as a test.
    _write(page, subject="Welcome to the symposium", body="See you **soon**.")
    page.get_by_role("button", name="Send a test to me").click()
    expect(page.locator(".messages")).to_contain_text("A test is on its way to olu@example.org")
    _in_mailbox(page, site, "olu@example.org", "[Test] Welcome to the symposium")

    # Scheduled for tomorrow at nine, in the event's zone: listed with a Cancel button.
    page.goto(f"{site.url}/manage/events/{event.slug}/")
    form = _write(page, subject="Programme for tomorrow", body="The programme is attached to the page.")
    nine = (timezone.localtime(timezone.now(), datetime.UTC) + datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    form.get_by_label("Send later, at").fill(f"{nine}T09:00")
    page.get_by_role("button", name="Send later, at the time above").click()
    expect(page.locator("#message-progress")).to_contain_text("Scheduled for")
    expect(page.locator("#message-progress").get_by_role("button", name=re.compile("^Cancel"))).to_be_visible()
    check_page(page, "organiser-event-scheduled")

    # A reminder pass still running: the page polls its progress fragment while it is.
    job = FanOut.objects.create(key=f"event-reminders:{event.pk}:1d:s1", source="events.reminders",
                                params={"event": event.pk, "label": "1d", "offset": 86400, "schedule": 99})  # fmt: skip
    page.reload()
    expect(page.locator("#reminder-progress")).to_contain_text("Sending")
    page.evaluate("window.stillTheSamePage = true")

    # An operational message reaches Ann, who turned invitations off.
    _write(page, subject="The room changed", body="We meet in **room 4**, first floor.")
    page.get_by_role("button", name="Send now").click()
    expect(page.locator(".messages")).to_contain_text("The message is being sent")
    page.evaluate("window.stillTheSamePage = true")
    FanOut.objects.filter(pk=job.pk).update(status=FanOut.Status.DONE, finished_at=timezone.now())
    expect(page.locator("#reminder-progress")).to_contain_text("Done", timeout=15000)
    row = page.locator("#message-progress tr", has_text="The room changed")
    expect(row).to_contain_text("Done", timeout=15000)
    assert page.evaluate("window.stillTheSamePage === true"), "the progress updated without a reload"
    check_page(page, "organiser-event-sent")

    _in_mailbox(page, site, "ann@example.org", "The room changed")
    page.get_by_role("link", name="The room changed").click()
    expect(page.locator("body")).to_contain_text("room 4")
    check_page(page, "mailbox-operational-message")
    page.goto(f"{site.url}/dev/mailbox/?to=bea@example.org")
    expect(page.get_by_role("link", name="The room changed")).to_have_count(0)  # she said maybe

    # The public page: two columns at 1280 px, the side card beside the description.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{site.url}/events/{event.slug}/")
    side, main = page.locator(".event-side").bounding_box(), page.locator(".event-main").bounding_box()
    assert side["x"] > main["x"] + main["width"] - 1, "the side card is to the right of the description"
    page.set_viewport_size({"width": 390, "height": 844})
    side, main = page.locator(".event-side").bounding_box(), page.locator(".event-main").bounding_box()
    assert main["y"] >= side["y"] + side["height"] - 1, "one column on a phone, the side card first"
    check_page(page, "public-event")
