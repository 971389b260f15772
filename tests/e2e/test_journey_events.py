"""Journeys 2 and 3: an organiser creates a members-only forum, publishes it and invites the
members in good standing; a member answers yes from the invitation email, gets the confirmation
with the .ics and sees the online link; another member, on the now full forum, is waitlisted and
is promoted when the first changes the answer to no. The organiser checks people in at the door."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from events.models import RSVP, Event
from members import roles
from tests.e2e.conftest import sign_in

JOINING_LINK = "https://meet.example.org/forum-budget"


def _create_forum(page, site, check_page) -> Event:
    page.get_by_role("link", name="Manage").click()
    check_page(page, "manage")
    page.get_by_role("link", name="New event").click()
    day = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    page.get_by_label("Kind of event").select_option("forum")
    page.get_by_label("Title").fill("Forum on next year's budget")
    page.get_by_label("Members only", exact=False).check()
    page.get_by_label("Time zone").fill("America/Los_Angeles")
    page.get_by_label("Starts").fill(f"{day}T18:00")
    page.get_by_label("Ends").fill(f"{day}T20:00")
    page.get_by_label("Venue", exact=False).first.fill("The Society's rooms")
    page.get_by_label("Online joining link").fill(JOINING_LINK)
    page.get_by_label("Capacity").fill("1")
    check_page(page, "new-event")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", name="Forum on next year's budget")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages")).to_contain_text("Published")
    return Event.objects.get(title="Forum on next year's budget")


def _invite_good_standing(page, site, check_page, event: Event) -> None:
    page.get_by_label("Members in good standing").check()
    check_page(page, "organiser-event")
    page.get_by_role("button", name="Send the invitations").click()
    # The fan-out runs on the workers; the organiser reloads to watch it finish.
    for _ in range(100):
        if "0 waiting to be sent, 3 sent" in page.locator("#invitations").inner_text():
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#invitations")).to_contain_text("0 waiting to be sent, 3 sent")


def _answer_from_email(browser, site, check_page, email: str, answer: str, name: str):
    invitation = site.mail_to(email, "Invitation")
    page = browser.new_context().new_page()
    page.goto(site.link_in(invitation, f"answer={answer}"))
    assert RSVP.objects.get(email=email).status != answer, "opening the link records nothing"
    check_page(page, f"rsvp-link-{name}-{answer}")
    page.get_by_role("button", name=re.compile(f"^Confirm: {answer}")).click()
    return page


def test_organiser_invites_and_members_answer_from_the_email(site, page, browser, check_page, person):
    person("olu@example.org", role=roles.ORGANISER, term_days_ago=100)
    person("ann@example.org", first_name="Ann", term_days_ago=30)
    person("bob@example.org", first_name="Bob", term_days_ago=60)
    person("lars@example.org", first_name="Lars", term_days_ago=500)  # lapsed: not invited

    sign_in(page, site, "olu@example.org")
    event = _create_forum(page, site, check_page)
    _invite_good_standing(page, site, check_page, event)
    assert set(RSVP.objects.values_list("email", flat=True)) == {
        "olu@example.org",
        "ann@example.org",
        "bob@example.org",
    }

    # Ann says yes from the email: the page shows the joining link, the email carries the .ics.
    ann = _answer_from_email(browser, site, check_page, "ann@example.org", "yes", "ann")
    expect(ann.locator("main")).to_contain_text("You're coming")
    expect(ann.locator(f'a[href="{JOINING_LINK}"]')).to_be_visible()
    check_page(ann, "rsvp-yes")
    confirmation = site.mail_to("ann@example.org", "You're coming")
    calendar = [p for p in confirmation.walk() if p.get_content_type() == "text/calendar"]
    assert calendar and "BEGIN:VEVENT" in calendar[0].get_content()
    assert "METHOD:PUBLISH" in calendar[0].get_content()  # no inbound webhook: no reply is offered
    google = re.compile(r"^https://calendar\.google\.com/calendar/render\?action=TEMPLATE&text=Forum")
    expect(ann.get_by_role("link", name="Google Calendar")).to_have_attribute("href", google)
    expect(ann.get_by_role("link", name="Outlook")).to_have_attribute("href", re.compile("^https://outlook.live.com/"))
    expect(ann.get_by_role("link", name="Apple Calendar and others (.ics)")).to_have_attribute(
        "href", re.compile(r"/r/[^/]+/event\.ics$")
    )
    [qr_code] = [p for p in confirmation.walk() if p.get_content_type() == "image/png"]
    assert qr_code["Content-ID"], "the check-in code is an inline image of the HTML body"

    # The forum is full: Bob joins the waitlist.
    bob = _answer_from_email(browser, site, check_page, "bob@example.org", "yes", "bob")
    expect(bob.locator(".messages")).to_contain_text("number 1 in line")
    assert RSVP.objects.get(email="bob@example.org").status == RSVP.Status.WAITLISTED
    expect(bob.locator(f'a[href="{JOINING_LINK}"]')).to_have_count(0)

    # Ann changes her mind with the same email: Bob is promoted and told.
    ann_no = _answer_from_email(browser, site, check_page, "ann@example.org", "no", "ann")
    expect(ann_no.locator("main")).to_contain_text("no")
    site.mail_to("bob@example.org", "A seat is yours")
    assert RSVP.objects.get(email="bob@example.org").status == RSVP.Status.YES

    # At the door.
    page.goto(f"{site.url}/manage/events/{event.slug}/")
    page.get_by_role("link", name="Check-in at the door").click()
    check_page(page, "door-list")
    page.get_by_label("Name or email").fill("bob")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=re.compile("Arrived")).first.click()
    expect(page.locator("main")).to_contain_text("1 of 1 people arrived")
    assert RSVP.objects.get(email="bob@example.org").checked_in_at is not None
