"""Paying later by bank transfer in a real browser: the organiser allows it; a visitor reserves
a ticket and is given a reference and the bank details; the treasurer records the transfer
(a wrong amount first, refused), the attendee gets their ticket and the buyer prints the receipt."""

import re

from playwright.sync_api import expect

from events.ticket_records import Order, TicketType
from members import roles
from tests.e2e.conftest import sign_in
from tests.factories import EventFactory


def test_a_visitor_pays_later_by_bank_transfer_and_the_treasurer_records_it(
    site, page, browser, check_page, person, settings
):
    settings.ORG_BANK_IBAN = "GB33BUKB20201555555555"
    organiser = person("olu@example.org", role=roles.ORGANISER, term_days_ago=100)
    event = EventFactory(kind="congress", title="Annual Congress", slug="annual-congress", capacity=100)
    event.organisers.add(organiser.user)
    TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    sign_in(page, site, organiser.user.email)
    page.goto(f"{site.url}/manage/events/{event.slug}/tickets/")
    form = page.locator("#pay-later-form")
    form.get_by_label("Buyers may pay later by bank transfer").check()
    form.get_by_label("Days an order stays reserved").fill("5")
    form.get_by_role("button", name="Save pay-later settings").click()
    expect(page.locator(".messages")).to_contain_text("Buyers may now pay later by bank transfer.")
    page.context.clear_cookies()

    visitor = browser.new_context().new_page()
    visitor.goto(f"{site.url}/events/{event.slug}/register/")
    visitor.get_by_label("How many Non-member tickets").fill("1")
    visitor.get_by_role("button", name="Name the attendees").click()
    visitor.locator("#id_a0-name").fill("Ann Visitor")
    visitor.locator("#id_a0-email").fill("ann@example.org")
    visitor.get_by_label(re.compile("Pay by bank transfer")).check()
    check_page(visitor, "visitor-chooses-bank-transfer")
    visitor.get_by_role("button", name="Order and pay").click()
    order = Order.objects.get()
    expect(visitor.locator("#transfer-reference")).to_have_text(order.bank_reference)
    expect(visitor.locator("#bank-transfer")).to_contain_text("GB33BUKB20201555555555")
    check_page(visitor, "visitor-reservation")
    told = site.mail_to("ann@example.org", "bank transfer")
    assert order.bank_reference in told.get_body(preferencelist=("plain",)).get_content()

    treasurer = person("tess@example.org", role=roles.TREASURER)
    sign_in(page, site, treasurer.user.email)
    page.goto(f"{site.url}/manage/payments/")
    page.get_by_role("link", name=re.compile("Record a bank transfer by its reference")).click()
    page.get_by_label("Reference on the transfer").fill(order.bank_reference.lower())
    page.get_by_label(re.compile("Amount received")).fill("80")
    page.get_by_role("button", name="Record the transfer").click()
    expect(page.locator("#record-by-reference")).to_contain_text("owes $90.00, not $80.00")
    check_page(page, "treasurer-wrong-amount")
    page.get_by_label(re.compile("Amount received")).fill("90")
    page.get_by_role("button", name="Record the transfer").click()
    expect(page.locator(".messages")).to_contain_text(f"Order {order.pk} for Annual Congress is paid")

    ticket = site.mail_to("ann@example.org", "Your ticket")
    receipt_link = site.link_in(ticket, "/receipt/")
    visitor.goto(receipt_link)
    expect(visitor.locator("#receipt-method")).to_contain_text(f"Bank transfer, reference {order.bank_reference}")
    expect(visitor.locator("#receipt-total")).to_have_text("$90.00")
    check_page(visitor, "visitor-receipt")
