"""Congress tickets in a real browser: an organiser sets the ticket types; a visitor who is not a
member buys a non-member ticket and a named guest's on the local test checkout, and each attendee
gets their own ticket email; a member in good standing buys at the member price."""

import re

from playwright.sync_api import expect

from events.ticket_records import Order, TicketType
from members import roles
from tests.e2e.conftest import sign_in
from tests.factories import EventFactory, PlanFactory


def _congress(page, site, check_page, organiser):
    """The organiser sets the congress's tickets on its ticket page."""
    event = EventFactory(kind="congress", title="Annual Congress", slug="annual-congress", capacity=100)
    event.organisers.add(organiser.user)
    PlanFactory(name="Regular", slug="regular", amount_cents=6000)
    sign_in(page, site, organiser.user.email)
    page.goto(f"{site.url}/manage/events/{event.slug}/")
    page.get_by_role("link", name="Tickets").click()
    for name, cents, audience in (("Member", "4500", "good_standing"), ("Non-member", "9000", "anyone")):
        form = page.locator("#ticket-type-form")
        form.get_by_label(re.compile(r"^Name:?$")).fill(name)
        form.get_by_label("Price in cents").fill(cents)
        form.get_by_label("Who may buy it").select_option(audience)
        form.get_by_role("button", name="Add the ticket type").click()
        expect(page.locator(".messages")).to_contain_text("The ticket type is added.")
    check_page(page, "organiser-tickets")
    assert list(TicketType.objects.filter(event=event).values_list("name", "price_cents")) == [
        ("Member", 4500),
        ("Non-member", 9000),
    ]
    page.context.clear_cookies()
    return event


def _name_attendees(page, people):
    for index, (name, email) in enumerate(people):
        page.locator(f"#id_a{index}-name").fill(name)
        page.locator(f"#id_a{index}-email").fill(email)


def _pay_on_the_local_checkout(page, site, check_page, name: str, amount: str) -> Order:
    expect(page.get_by_role("heading", name="Local test checkout")).to_be_visible()
    check_page(page, f"{name}-test-checkout")
    page.get_by_role("button", name=f"Pay {amount}").click()
    order = Order.objects.latest("pk")
    for _ in range(100):  # the worker applies the webhook; the buyer reloads the order's page
        if page.locator("#order-status").inner_text() == "Paid":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#order-status")).to_have_text("Paid")
    check_page(page, f"{name}-order-paid")
    return order


def test_a_visitor_buys_two_tickets_and_a_member_buys_at_the_member_price(site, page, browser, check_page, person):
    organiser = person("olu@example.org", role=roles.ORGANISER, term_days_ago=100)
    event = _congress(page, site, check_page, organiser)
    visitor = browser.new_context().new_page()
    visitor.goto(f"{site.url}/events/{event.slug}/")
    visitor.get_by_role("link", name="Register").click()
    check_page(visitor, "visitor-register")
    visitor.get_by_label("How many Non-member tickets").fill("2")
    visitor.get_by_role("button", name="Name the attendees").click()
    _name_attendees(visitor, [("Ann Visitor", "ann@example.org"), ("Gus Guest", "gus@example.org")])
    check_page(visitor, "visitor-attendees")
    visitor.get_by_role("button", name="Order and pay").click()
    order = _pay_on_the_local_checkout(visitor, site, check_page, "visitor", "$180.00")
    assert order.total_cents == 18000
    for email in ("ann@example.org", "gus@example.org"):
        ticket = site.mail_to(email, "Your ticket")
        assert any(part.get_filename() == "invite.ics" or part.get_content_type() == "text/calendar"
                   for part in ticket.walk()), "the ticket carries the calendar entry"  # fmt: skip
        assert "/r/" in " ".join(site.links_in(ticket)), "each attendee has their own link"

    person("mia@example.org", first_name="Mia", term_days_ago=30)
    sign_in(page, site, "mia@example.org")
    page.goto(f"{site.url}/events/{event.slug}/register/")
    page.get_by_label("How many Member tickets").fill("1")
    page.get_by_role("button", name="Name the attendees").click()
    _name_attendees(page, [("Mia Example", "mia@example.org")])
    page.get_by_role("button", name="Order and pay").click()
    member_order = _pay_on_the_local_checkout(page, site, check_page, "member", "$45.00")
    assert member_order.total_cents == 4500
    page.goto(f"{site.url}/membership/")
    expect(page.locator("#ticket-orders")).to_contain_text("Annual Congress")
    assert re.search("Your ticket", str(site.mail_to("mia@example.org", "Your ticket")["Subject"]))
