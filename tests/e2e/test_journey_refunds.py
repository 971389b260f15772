"""Cancel and refund, and the waitlist, in a real browser: a visitor buys a ticket on the local
test checkout and cancels it from the order's page before the refund deadline; the freed seat
is offered to the first on the waitlist, who is emailed a link of their own and pays through it."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from events import ticket_waitlist
from events.ticket_records import Order, TicketType
from events.ticket_refund_records import RefundPolicy
from tests.factories import EventFactory


def _wait_for_status(page, status: str) -> None:
    for _ in range(100):  # the worker applies the webhook; the buyer reloads the order's page
        if page.locator("#order-status").inner_text() == status:
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#order-status")).to_have_text(status)


def test_a_visitor_cancels_for_a_refund_and_the_seat_goes_to_the_waitlist(site, page, browser, check_page):
    event = EventFactory(kind="congress", title="Annual Congress", slug="annual-congress", capacity=1)
    TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    RefundPolicy.objects.create(
        event=event, deadline=timezone.now() + datetime.timedelta(days=7), fee_kind="percent", fee_value=10
    )
    page.goto(f"{site.url}/events/{event.slug}/register/")
    page.get_by_label("How many Non-member tickets").fill("1")
    page.get_by_role("button", name="Name the attendees").click()
    page.locator("#id_a0-name").fill("Ann Visitor")
    page.locator("#id_a0-email").fill("ann@example.org")
    page.get_by_role("button", name="Order and pay").click()
    page.get_by_role("button", name="Pay $90.00").click()
    _wait_for_status(page, "Paid")

    other = browser.new_context().new_page()
    other.goto(f"{site.url}/events/{event.slug}/register/")
    check_page(other, "sold-out-register")
    other.get_by_label("Name").fill("Wes Waiting")
    other.get_by_label("Email").fill("wes@example.org")
    other.get_by_role("button", name="Join the waitlist").click()
    expect(other.locator(".messages")).to_contain_text("number 1 in line")

    page.get_by_role("link", name="Cancel tickets for a refund").click()
    check_page(page, "cancel-confirm")
    expect(page.locator("#cancel-refund")).to_contain_text("$81.00")
    page.get_by_role("button", name="Yes, cancel and refund").click()
    expect(page.locator("#order-status")).to_have_text("Cancelled")
    assert "$81.00" in site.mail_to("ann@example.org", "cancelled").get_body(("plain",)).get_content()

    assert ticket_waitlist.offer_pass() == 1  # what beat does every minute
    offer = site.mail_to("wes@example.org", "yours to take")
    link = site.link_in(offer, "/events/orders/o/")
    other.goto(link)
    other.get_by_role("button", name="Pay $90.00").click()
    other.get_by_role("button", name="Pay $90.00").click()
    _wait_for_status(other, "Paid")
    assert Order.objects.get(buyer_email="wes@example.org").is_paid
