"""A lapsed member at the congress, in a real browser: offered "renew and pay the member price",
they pay dues and ticket in one local test checkout, are shown renewed and get the ticket email,
whose link offers "Cancel my ticket" rather than a no;
with the card declined instead, nothing is confirmed and no dues are applied."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from events.ticket_records import Order, TicketType
from members.models import Member, Payment, Standing
from tests.e2e.conftest import sign_in
from tests.factories import EventFactory, PlanFactory, TermFactory


def _lapsed_at_the_congress(person, email: str):
    plan = PlanFactory(name="Regular", slug="regular", amount_cents=6000)
    event = EventFactory(kind="congress", title="Annual Congress", slug="annual-congress", capacity=100)
    TicketType.objects.create(event=event, name="Member", price_cents=4500, audience="good_standing")
    TicketType.objects.create(event=event, name="Non-member", price_cents=12000)
    member = person(email, first_name="Lena")
    start = timezone.localdate() - datetime.timedelta(days=500)
    TermFactory(member=member, plan=plan, start=start, payment__plan=plan, payment__amount_cents=6000)
    assert member.standing() == Standing.LAPSED
    return event, member


def _renew_and_register(page, site, check_page, event, email: str, shot: str) -> None:
    sign_in(page, site, email)
    page.goto(f"{site.url}/events/{event.slug}/register/")
    offers = page.locator("#ticket-offers")
    expect(offers).to_contain_text("Renew and pay the member price.")
    expect(offers).to_contain_text("Dues for Regular, $60.00, are in the same payment.")
    check_page(page, f"{shot}-register")
    page.get_by_label("How many Member tickets").fill("1")
    page.get_by_role("button", name="Name the attendees").click()
    expect(page.locator("#dues-note")).to_contain_text("the member price is confirmed only once those dues are applied")
    page.locator("#id_a0-name").fill("Lena Example")
    page.locator("#id_a0-email").fill(email)
    page.get_by_role("button", name="Order and pay").click()
    expect(page.get_by_role("heading", name="Local test checkout")).to_be_visible()
    check_page(page, f"{shot}-test-checkout")


def _dues_paid(member: Member) -> bool:
    return Payment.objects.filter(member=member, kind="dues", status="paid").count() > 1


def test_a_lapsed_member_renews_and_registers_in_one_checkout(site, page, check_page, person):
    event, member = _lapsed_at_the_congress(person, "lena@example.org")
    _renew_and_register(page, site, check_page, event, "lena@example.org", "renew")
    page.get_by_role("button", name="Pay $105.00").click()
    for _ in range(100):  # the worker applies the webhook; the buyer reloads the order's page
        if page.locator("#order-status").inner_text() == "Paid":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#order-status")).to_have_text("Paid")
    expect(page.locator("#dues-applied")).to_contain_text("Your dues for Regular are applied")
    check_page(page, "renewed-and-registered")

    order = Order.objects.get(event=event)
    assert (order.total_cents, order.dues_cents) == (4500, 6000)
    member.refresh_from_db()
    assert member.standing() == Standing.ACTIVE
    assert _dues_paid(member)
    ticket = site.mail_to("lena@example.org", "Your ticket: Annual Congress")
    assert "/r/" in " ".join(site.links_in(ticket)), "the attendee has their own link"
    page.goto(next(link for link in site.links_in(ticket) if re.search(r"/r/[^/]+/$", link)))
    expect(page.locator("#ticket-holder")).to_contain_text("You hold a paid ticket")
    expect(page.get_by_role("link", name="Cancel my ticket", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="No, cancel my place")).to_have_count(0)
    check_page(page, "ticket-link")
    page.goto(f"{site.url}/membership/")
    expect(page.locator("#ticket-orders")).to_contain_text("Annual Congress")


def test_a_lapsed_member_whose_card_is_declined_is_neither_registered_nor_renewed(site, page, check_page, person):
    event, member = _lapsed_at_the_congress(person, "lena@example.org")
    _renew_and_register(page, site, check_page, event, "lena@example.org", "declined")
    page.get_by_role("button", name="Decline the card").click()
    expect(page.locator(".messages")).to_contain_text("The card was declined, so nothing was charged.")
    expect(page.locator("#order-status")).not_to_have_text("Paid")
    expect(page.locator("#dues-applied")).to_have_count(0)
    check_page(page, "declined")

    order = Order.objects.get(event=event)
    assert order.status == Order.Status.HELD
    member.refresh_from_db()
    assert member.standing() == Standing.LAPSED
    assert not _dues_paid(member)
    assert not [m for m in site.smtp.messages if "lena@" in str(m["To"]) and "Annual Congress" in str(m["Subject"])]
